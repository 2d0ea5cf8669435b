// worker.ts: runs a worker, checks out three items and prints the outcome. Compile, then `node worker.js`.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sendSignal } from '@temporal-patterns/signal-utils/client';
import { checkoutWorkflow, closeShop, paid, pricingWorkflow } from './readme-example.js';

const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace });
const workerConnection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection: workerConnection,
  namespace,
  taskQueue: 'checkout',
  workflowsPath: fileURLToPath(new URL('./readme-example.js', import.meta.url)),
});

// Runs the worker until the checkout is done; a long-lived worker calls `await worker.run()` instead.
await worker.runUntil(async () => {
  const pricing = await client.workflow.start(pricingWorkflow, {
    taskQueue: 'checkout',
    workflowId: 'pricing',
    args: [{ apple: 50, pear: 70 }],
  });
  const checkout = await client.workflow.start(checkoutWorkflow, {
    taskQueue: 'checkout',
    workflowId: 'checkout-42',
    args: ['pricing', ['apple', 'pear', 'apple']],
  });
  // Validated and size-checked; ExternalWorkflowNotFoundError if checkout-42 is not running.
  await sendSignal(client, 'checkout-42', paid, { receipt: 'r-1' });
  console.log(await checkout.result()); // 3 items, 170 cents, receipt r-1
  await pricing.signal(closeShop);
});
await workerConnection.close();
await connection.close();
