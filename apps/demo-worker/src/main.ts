import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createMutexActivities } from '@temporal-patterns/mutex/client';
import { startDevServer } from '@temporal-patterns/temporal-harness';
import { runScenarios } from './runner.js';
import { scenarios } from './scenarios.js';

const HELP = `Usage: npm run demo -- [--scenario NAME] [--keep] [--help]

Starts a Temporal dev server with its Web UI (or uses TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY, TEMPORAL_TLS_CERT_PATH/TEMPORAL_TLS_KEY_PATH), one worker with every pattern, and runs
one scenario per pattern. Exits 0 only when every scenario passed its own checks.

  --scenario NAME  run one scenario: ${scenarios.map((s) => s.name).join(', ')}
  --keep           leave the server and worker running afterwards for the Web UI (Ctrl-C stops them)
  --help           this text`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  const only = args.includes('--scenario') ? args[args.indexOf('--scenario') + 1] : undefined;
  const selected = only ? scenarios.filter((s) => s.name === only) : scenarios;
  if (selected.length === 0) {
    console.error(`Unknown scenario "${only}". Known: ${scenarios.map((s) => s.name).join(', ')}`);
    return 2;
  }

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  console.log('Starting Temporal...');
  const server = await startDevServer({ ui: true, log: (line) => console.log(`  ${line}`) });
  console.log(`Temporal at ${server.address} (namespace ${server.namespace})`);
  if (server.uiUrl) console.log(`Web UI: ${server.uiUrl}/namespaces/${server.namespace}/workflows`);

  const { address, tls, apiKey, namespace } = server;
  const connection = await Connection.connect({ address, tls, apiKey });
  const client = new Client({ connection, namespace });
  const taskQueue = `demo-${Date.now()}`;
  const workerConnection = await NativeConnection.connect({ address, tls, apiKey });
  const worker = await Worker.create({
    connection: workerConnection,
    namespace,
    taskQueue,
    workflowsPath: new URL('./workflows.js', import.meta.url).pathname,
    activities: Object.assign(
      { ...createMutexActivities(client) },
      ...selected.map((s) => s.activities?.(client) ?? {}),
    ),
  });

  let failed = 0;
  await worker.runUntil(async () => {
    const outcomes = await runScenarios(selected, { client, taskQueue, runId: Date.now().toString(36) });
    failed = outcomes.filter((o) => !o.ok).length;
    if (args.includes('--keep')) {
      console.log(
        `\n--keep: server and worker keep running${server.uiUrl ? ` (Web UI ${server.uiUrl})` : ''}; Ctrl-C stops them.`,
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
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
