import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createMutexActivities } from '@temporal-patterns/mutex/client';
import {
  connectionOptions,
  connectOrExplain,
  startDevServer,
  TemporalServerUnreachableError,
} from '@temporal-patterns/temporal-harness';
import { runScenarios, workflowListUrl } from './runner.js';
import type { Scenario } from './scenario.js';
import { scenarios } from './scenarios.js';

const USAGE = `Usage: npm run demo -- [--scenario NAME] [--keep] [--help]

Starts a Temporal dev server with its Web UI (or uses the server that TEMPORAL_ADDRESS or a
temporal.toml profile names, with TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*), one worker
with every pattern, and runs one scenario per pattern. Exits 0 only when every scenario passed its
own checks, 1 when one failed or the server cannot be reached, 2 for a bad command line.

  --scenario NAME  run one scenario: ${scenarios.map((s) => s.name).join(', ')}
  --keep           leave the server and worker running afterwards for the Web UI (Ctrl-C stops them)
  --help           this text`;

interface DemoOptions {
  selected: Scenario[];
  keep: boolean;
}

/** The command line, or the exit code when it is `--help` (0) or wrong (2, with the usage on stderr). */
function parseCommandLine(argv: string[]): DemoOptions | number {
  const usageError = (problem: string): number => {
    console.error(`${problem}\n\n${USAGE}`);
    return 2;
  };
  let values: { scenario?: string; keep?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { scenario: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' } },
    }));
  } catch (err) {
    // Node's first sentence names the problem; the rest is about positionals, which we take none of.
    return usageError((err as Error).message.split('. ')[0] as string);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const selected = values.scenario ? scenarios.filter((s) => s.name === values.scenario) : scenarios;
  if (selected.length === 0) {
    return usageError(
      `Unknown scenario "${values.scenario}". Known: ${scenarios.map((s) => s.name).join(', ')}`,
    );
  }
  return { selected, keep: values.keep ?? false };
}

async function main(): Promise<number> {
  const options = parseCommandLine(process.argv.slice(2));
  if (typeof options === 'number') return options;
  const { selected, keep } = options;

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  console.log('Starting Temporal...');
  const server = await startDevServer({ ui: true, log: (line) => console.log(`  ${line}`) });
  const { address, namespace } = server;
  console.log(`Temporal at ${address} (namespace ${namespace})`);
  const webUi = server.uiUrl ? { url: server.uiUrl, namespace } : undefined;
  if (webUi) console.log(`Web UI: ${workflowListUrl(webUi)}`);

  const connection = await connectOrExplain(address, () => Connection.connect(connectionOptions(server)));
  const client = new Client({ connection, namespace });
  const taskQueue = `demo-${Date.now()}`;
  const workerConnection = await connectOrExplain(address, () =>
    NativeConnection.connect(connectionOptions(server)),
  );
  const worker = await Worker.create({
    connection: workerConnection,
    namespace,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)),
    activities: Object.assign(
      { ...createMutexActivities(client) },
      ...selected.map((s) => s.activities?.(client) ?? {}),
    ),
  });

  let failed = 0;
  await worker.runUntil(async () => {
    const runId = Date.now().toString(36);
    const outcomes = await runScenarios(selected, { client, taskQueue, runId }, { webUi });
    failed = outcomes.filter((o) => !o.ok).length;
    if (keep) {
      console.log(
        `\n--keep: server and worker keep running${webUi ? ` (Web UI ${webUi.url})` : ''}; Ctrl-C stops them.`,
      );
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  });
  await connection.close();
  await workerConnection.close();
  await server.stop();
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // An unreachable server is one line that says what to change; anything else keeps its stack.
    console.error(err instanceof TemporalServerUnreachableError ? err.message : err);
    process.exit(1);
  },
);
