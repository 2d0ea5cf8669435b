// Fixture workflows for this package's tests (not part of the published entries).
import { PipelineFeeder, type PipelineItem } from '../index.js';

export { pipelineRunWorkflow, pipelineStageWorkflow } from '../index.js';

/** Feeds `items` into a run from a workflow, in batches of `batchSize`, closing the input with the last. */
export async function feedingWorkflow(
  runId: string,
  items: PipelineItem[],
  batchSize: number,
): Promise<number> {
  const feeder = new PipelineFeeder(runId, { channel: 'feeding-workflow' });
  for (let start = 0; start < items.length; start += batchSize) {
    await feeder.feed(items.slice(start, start + batchSize), { last: start + batchSize >= items.length });
  }
  return feeder.nextSeq - 1;
}
