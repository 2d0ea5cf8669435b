// worker.ts: runs a worker and makes twelve thumbnails, five at a time. Compile, then `node worker.js`.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { getFanoutProgress, startFanout } from '@temporal-patterns/fanout/client';

const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace });
const workerConnection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection: workerConnection,
  namespace,
  taskQueue: 'photos',
  workflowsPath: fileURLToPath(new URL('./readme-example.js', import.meta.url)),
  activities: {
    // Stands in for your image service.
    async makeThumbnail(photoUri: string) {
      return { uri: photoUri.replace('/photos/', '/thumbnails/'), bytes: 1000 };
    },
  },
});

// Runs the worker until the fan-out is done; a long-lived worker calls `await worker.run()` instead.
await worker.runUntil(async () => {
  const photoUris = Array.from({ length: 12 }, (_, i) => `s3://bucket/photos/${i}.jpg`);
  const handle = await startFanout(client, {
    workflowId: 'thumbnails-2024-06',
    taskQueue: 'photos',
    childWorkflowType: 'thumbnailChild',
    inputs: photoUris, // one child per input reference
    window: 5,
    childTimeout: '5 minutes',
  });
  console.log(await getFanoutProgress(handle)); // { started, running, done, failed, pending, … }
  const summary = await handle.result();
  // summary.outcomes[i] = { index, childId, status: 'done', resultRef: 's3://bucket/thumbnails/i.jpg', value }
  console.log(`${summary.status}: ${summary.done} thumbnails, ${summary.valueSum} bytes`); // completed: 12 thumbnails, 12000 bytes
});
await workerConnection.close();
await connection.close();
