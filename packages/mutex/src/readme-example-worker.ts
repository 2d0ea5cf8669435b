// worker.ts: runs a worker and posts four payments to one account at once. Compile, then `node worker.js`.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMutexActivities } from '@temporal-patterns/mutex/client';
import { postPayment, type LedgerActivities } from './readme-example.js';

const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace });

// Stands in for your ledger: it refuses a write with a fencing token older than the newest it has seen.
let newestToken = 0;
const ledgerActivities: LedgerActivities = {
  async appendEntry({ account, cents, fencingToken }) {
    if (fencingToken <= newestToken) throw new Error(`stale fencing token ${fencingToken}`);
    newestToken = fencingToken;
    console.log(`account ${account}: ${cents} cents`);
  },
};

const workerConnection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection: workerConnection,
  namespace,
  taskQueue: 'payments',
  workflowsPath: fileURLToPath(new URL('./readme-example.js', import.meta.url)),
  activities: { ...createMutexActivities(client), ...ledgerActivities },
});

// Runs the worker until the payments are posted; a long-lived worker calls `await worker.run()` instead.
await worker.runUntil(async () => {
  const tokens = await Promise.all(
    [100, 250, -50, 75].map((cents, i) =>
      client.workflow.execute(postPayment, {
        taskQueue: 'payments',
        workflowId: `payment-${i}`,
        args: ['42', cents],
      }),
    ),
  );
  console.log(`${new Set(tokens).size} payments posted one at a time`); // 4 payments posted one at a time
});
await workerConnection.close();
await connection.close();
