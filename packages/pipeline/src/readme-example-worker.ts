// worker.ts: runs a worker and makes thumbnails of two images. Compile, then `node worker.js`.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { activities, makeThumbnails } from './readme-example.js';

const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace });
const workerConnection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection: workerConnection,
  namespace,
  taskQueue: 'thumbnails',
  workflowsPath: fileURLToPath(new URL('./readme-workflows.js', import.meta.url)),
  activities,
});

// Runs the worker until the run is done; a long-lived worker calls `await worker.run()` instead.
await worker.runUntil(async () => {
  const result = await makeThumbnails(client, 'thumbnails', ['https://x/cat.png', 'https://x/dog.png']);
  for (const item of result.items) console.log(item.output); // img-0: pixels of https://x/cat.png, 128px [cat]
  console.log(`${result.completed} completed, ${result.failed} failed`); // 2 completed, 0 failed
});
await workerConnection.close();
await connection.close();
