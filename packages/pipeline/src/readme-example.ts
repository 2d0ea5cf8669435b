import type { Client } from '@temporalio/client';
import { dataRef, isDataRef } from '@temporal-patterns/signal-utils';
import {
  definePipeline,
  startPipeline,
  type PipelineResult,
  type StageActivityInput,
} from '@temporal-patterns/pipeline/client';

// Fetch each image, then resize it and tag it in parallel, then publish once both are done.
// Validated here: a cycle or an unknown stage throws before anything starts.
export const thumbnails = definePipeline('thumbnails', [
  { name: 'fetch', activity: 'thumbnailsFetch', downstream: ['resize', 'tag'], window: 10 },
  { name: 'resize', activity: 'thumbnailsResize', downstream: ['publish'], itemTimeout: '30s' },
  { name: 'tag', activity: 'thumbnailsTag', downstream: ['publish'], onTimeout: 'skip-item' },
  { name: 'publish', activity: 'thumbnailsPublish', joinTimeout: '5 minutes' },
]);

// Stands in for your object store: stages pass references to the data, never the data.
const store = new Map<string, string>();
const put = (key: string, data: string) => (store.set(key, data), dataRef(`mem://${key}`));
const get = (ref: unknown) => (isDataRef(ref) ? store.get(ref.uri.slice('mem://'.length)) : String(ref));

// Register these on your worker, next to the pipeline workflows.
export const activities = {
  async thumbnailsFetch({ ref, idempotencyKey }: StageActivityInput) {
    return put(idempotencyKey, `pixels of ${String(ref)}`);
  },
  async thumbnailsResize({ ref, idempotencyKey }: StageActivityInput) {
    return put(idempotencyKey, `${get(ref)}, 128px`);
  },
  async thumbnailsTag({ ref }: StageActivityInput) {
    return get(ref)?.includes('cat') ? 'cat' : 'other';
  },
  async thumbnailsPublish({ inputs, itemId }: StageActivityInput) {
    return `${itemId}: ${get(inputs.resize)} [${String(inputs.tag)}]`;
  },
};

/** Runs the pipeline over `urls` and returns every item's outcome, in input order. */
export async function makeThumbnails(
  client: Client,
  taskQueue: string,
  urls: string[],
): Promise<PipelineResult> {
  const run = await startPipeline(client, thumbnails, {
    runId: `thumbnails-${urls.length}-${Date.now()}`,
    taskQueue,
    items: urls.map((url, i) => ({ id: `img-${i}`, ref: url })),
    closeInput: true,
  });
  return run.result();
}
