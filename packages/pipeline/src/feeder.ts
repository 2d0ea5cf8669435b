import { SequencedSender } from '@temporal-patterns/signal-utils';
import { pipelineFeedSignal, type PipelineItem } from './definitions.js';

/**
 * Feeds items into a pipeline run from another workflow. Batches are numbered on this feeder's own
 * channel, so the run takes them in order and exactly once even when a signal is retried. Keep one
 * feeder per workflow; after a continue-as-new, pass `nextSeq` from the previous run.
 *
 * @example
 * const feeder = new PipelineFeeder('orders-run-7');
 * await feeder.feed([{ id: 'o-1', ref: dataRef('s3://orders/o-1.json') }]);
 * await feeder.feed([{ id: 'o-2', ref: dataRef('s3://orders/o-2.json') }], { last: true });
 */
export class PipelineFeeder {
  private readonly sender: SequencedSender<{ items: PipelineItem[]; last?: boolean }>;

  /**
   * @param runId the run workflow's id.
   * @param options.channel the feeder's name, unique per feeder of a run. Defaults to `workflow`.
   * @param options.nextSeq where numbering continues after a continue-as-new. Defaults to 1.
   */
  constructor(runId: string, options: { channel?: string; nextSeq?: number } = {}) {
    this.sender = new SequencedSender(pipelineFeedSignal, runId, options.channel ?? 'workflow', {
      nextSeq: options.nextSeq,
    });
  }

  /** The number of the next batch: carry it into the next run. */
  get nextSeq(): number {
    return this.sender.nextSeq;
  }

  /** Sends `items` as one batch; `last` closes the run's input after them. */
  async feed(items: PipelineItem[], options: { last?: boolean } = {}): Promise<void> {
    await this.sender.send({ items, ...(options.last ? { last: true } : {}) });
  }
}
