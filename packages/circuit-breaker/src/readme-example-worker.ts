// worker.ts: runs a worker and an order through a payments API that is down for its first four seconds.
// Compile, then `node worker.js`.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import {
  createCircuitBreakerActivities,
  flushCircuitBreakerReports,
  inspectCircuitBreaker,
  withCircuitBreaker,
} from '@temporal-patterns/circuit-breaker/client';
import { orderWorkflow } from './readme-example.js';

const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace });

// Stands in for your payments API: down for four seconds, long enough for three failures to open the breaker.
const upAt = Date.now() + 4000;
async function chargeCard(orderId: string): Promise<string> {
  if (Date.now() < upAt) throw new Error('payments-api: 503');
  return `receipt for ${orderId}`;
}

const workerConnection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection: workerConnection,
  namespace,
  taskQueue: 'orders',
  workflowsPath: fileURLToPath(new URL('./readme-example.js', import.meta.url)), // exports orderWorkflow and circuitBreakerWorkflow
  activities: {
    ...createCircuitBreakerActivities(client),
    chargeCard: withCircuitBreaker(client, { dependency: 'payments-api' }, chargeCard),
  },
});

// Runs the worker until the order is charged; a long-lived worker calls `await worker.run()` instead.
await worker.runUntil(async () => {
  const receipt = await client.workflow.execute(orderWorkflow, {
    taskQueue: 'orders',
    workflowId: 'order-1',
    args: ['order-1'],
  });
  console.log(receipt); // receipt for order-1
  const { state, transitions } = await inspectCircuitBreaker(client, 'payments-api');
  console.log(`payments-api: ${state}`); // payments-api: closed
  console.log(transitions.map((t) => t.to).join(' → ')); // e.g. open → half-open → open → half-open → closed
});
await flushCircuitBreakerReports(); // outcomes this process has not sent yet
await workerConnection.close();
await connection.close();
