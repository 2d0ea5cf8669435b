import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startDevServer } from '@temporal-patterns/temporal-harness';
import { scenarios } from './scenarios.js';

const HELP = `Usage: npm run demo -- [--scenario NAME] [--keep] [--help]

Starts a Temporal dev server with its Web UI (or uses TEMPORAL_ADDRESS), a worker with every pattern,
and runs each scenario. Exits 0 only when every scenario passed its own checks.

  --scenario NAME  run one scenario (${scenarios.map((s) => s.name).join(', ')})
  --keep           leave the server and worker running afterwards (Ctrl-C stops them)
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

  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log('Starting Temporal...');
  const server = await startDevServer({ ui: true, log: (line) => console.log(`  ${line}`) });
  console.log(`Temporal at ${server.address} (namespace ${server.namespace})`);
  if (server.uiUrl) console.log(`Web UI: ${server.uiUrl}/namespaces/${server.namespace}/workflows`);

  const tls = server.tls;
  const connection = await Connection.connect({ address: server.address, tls, apiKey: server.apiKey });
  const client = new Client({ connection, namespace: server.namespace });
  const taskQueue = `demo-${Date.now()}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address, tls, apiKey: server.apiKey }),
    namespace: server.namespace,
    taskQueue,
    workflowsPath: new URL('./workflows.js', import.meta.url).pathname,
  });

  const failures: string[] = [];
  await worker.runUntil(async () => {
    for (const scenario of selected) {
      const started = Date.now();
      console.log(`\n▶ ${scenario.name}: ${scenario.description}`);
      try {
        const summary = await scenario.run({ client, taskQueue, log: (line) => console.log(`  ${line}`) });
        console.log(`✔ ${scenario.name} (${Date.now() - started} ms): ${summary}`);
      } catch (err) {
        failures.push(scenario.name);
        console.log(`✘ ${scenario.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (args.includes('--keep')) {
      console.log('\n--keep: server and worker keep running; Ctrl-C stops them.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  });

  console.log(`\n${selected.length - failures.length} of ${selected.length} scenarios passed`);
  if (failures.length) console.log(`Failed: ${failures.join(', ')}`);
  await connection.close();
  await server.stop();
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
