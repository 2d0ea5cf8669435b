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

/**
 * Feeds `first`, a batch too large for one signal, and `rest` (closing the input) into a run at once:
 * returns how each feed settled and the feeder's next number.
 */
export async function feedingPastARefusalWorkflow(
  runId: string,
  first: PipelineItem[],
  rest: PipelineItem[],
): Promise<{ settled: string[]; nextSeq: number }> {
  const feeder = new PipelineFeeder(runId, { channel: 'refused-feeder' });
  const big = Array.from({ length: 20 }, (_, i) => ({ id: `big-${i}`, ref: 'x'.repeat(15 * 1024) }));
  const settled = await Promise.allSettled([
    feeder.feed(first),
    feeder.feed(big),
    feeder.feed(rest, { last: true }),
  ]);
  return {
    settled: settled.map((s) => (s.status === 'fulfilled' ? 'sent' : (s.reason as Error).name)),
    nextSeq: feeder.nextSeq,
  };
}
