// Client entry: code for workers, activities and clients. Never imported by workflow code.
import { randomUUID } from 'node:crypto';
import { ServiceError, isGrpcServiceError, type Client, type WorkflowHandle } from '@temporalio/client';
import { assertPayloadSize, sendSignal, type SequencedMessage } from '@temporal-patterns/signal-utils/client';
import { PatternFailure, payloadSize } from '@temporal-patterns/signal-utils/pattern-kit';
import { definePipeline, stageWorkflowId, type PipelineDefinition } from './pipeline-definition.js';
import { InvalidPipelineItemError, PipelineRunFullError, UnknownStageError } from './errors.js';
import { pipelineRunWorkflow } from './run-workflow.js';
import {
  DEFAULT_MAX_HELD_BYTES,
  DEFAULT_MAX_ITEM_BYTES,
  type PipelineRunOptions,
} from './runtime-options.js';
import {
  pipelineFeedSignal,
  parsePipelineItem,
  pipelineRunProgressQuery,
  pipelineStageProgressQuery,
  type FeedBatch,
  type PipelineItem,
  type PipelineResult,
  type RunProgress,
  type StageProgress,
} from './definitions.js';

export * from './index.js';
// Here rather than in the root entry (at its cap of 25 names): a client is where a run's failure is read.
export { PipelineItemTooLargeError, PipelineRunFullError } from './errors.js';

/** Options of {@link startPipeline}. */
export interface StartPipelineOptions extends PipelineRunOptions {
  /** The run's workflow id; stage workflows get `<runId>/stage/<name>`. */
  runId: string;
  /** Task queue of the run workflow (and, by default, of its stages). */
  taskQueue: string;
  /** Items to feed at start, in order. Defaults to none. */
  items?: PipelineItem[];
  /** No items follow `items`. Defaults to false: feed more with `run.feed(…)` and end with `last`. */
  closeInput?: boolean;
}

function checkItems(items: readonly PipelineItem[], maxBytes: number): void {
  for (const raw of items) {
    let item: PipelineItem;
    try {
      item = parsePipelineItem(raw);
    } catch (err) {
      // Cut: an over-long id may be why it is refused.
      const id = (raw as { id?: unknown } | null)?.id;
      throw new InvalidPipelineItemError(
        (err as Error).message,
        typeof id === 'string' ? id.slice(0, 100) : undefined,
      );
    }
    try {
      assertPayloadSize(item.ref, `ref of item "${item.id}"`, maxBytes);
    } catch (err) {
      throw new InvalidPipelineItemError((err as Error).message, item.id);
    }
  }
}

/**
 * gRPC codes that say the server did not take the request: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
 * PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, UNIMPLEMENTED, UNAUTHENTICATED. Anything
 * else (a deadline, an unavailable server) may have delivered the signal.
 */
const REFUSED_CODES = new Set([3, 5, 6, 7, 8, 9, 12, 16]);

/** True unless `err` says for sure that the signal was not delivered. */
function mayHaveLanded(err: unknown): boolean {
  // Our own failures (payload checks, size, a missing run) all mean nothing was taken.
  if (err instanceof PatternFailure) return false;
  const grpc = err instanceof ServiceError ? err.cause : err;
  return !(isGrpcServiceError(grpc) && REFUSED_CODES.has(grpc.code));
}

/** A pipeline run seen from a client: feed it, watch its progress, await its result. */
export class PipelineRun {
  private nextSeq = 1;
  /** A batch whose send failed in a way that may have delivered it: sent again (same number) first. */
  private unconfirmed?: SequencedMessage<FeedBatch>;
  /** Settles when the last feed called has settled: feeds go out one at a time, in call order. */
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * @param feeder the channel this handle's feed batches are numbered on. Defaults to a random
   * `client-…` name: two handles never share numbering.
   */
  constructor(
    readonly client: Client,
    readonly runId: string,
    private readonly maxItemBytes = DEFAULT_MAX_ITEM_BYTES,
    readonly feeder = `client-${randomUUID()}`,
  ) {}

  /** The run workflow's handle. */
  get handle(): WorkflowHandle<typeof pipelineRunWorkflow> {
    return this.client.workflow.getHandle<typeof pipelineRunWorkflow>(this.runId);
  }

  /**
   * Feeds `items` as one numbered batch (one signal: at most 256 KiB encoded); `last` closes the input
   * after them. Malformed items reject with `InvalidPipelineItemError` and an oversized batch with
   * `PayloadTooLargeError` before anything is sent; a closed run with `ExternalWorkflowNotFoundError`.
   * Feeds go out one at a time, in call order. A batch refused takes no number, so the run never waits
   * for it; a batch whose send failed without a clear answer (a timeout) is sent again, with its
   * number, before the next one.
   */
  async feed(items: PipelineItem[], options: { last?: boolean } = {}): Promise<void> {
    checkItems(items, this.maxItemBytes);
    const payload: FeedBatch = { items, ...(options.last ? { last: true } : {}) };
    const turn = this.tail.then(async () => {
      if (this.unconfirmed) {
        await sendSignal(this.client, this.runId, pipelineFeedSignal, this.unconfirmed);
        this.unconfirmed = undefined;
      }
      const message = { channel: this.feeder, seq: this.nextSeq, sender: this.feeder, payload };
      try {
        await sendSignal(this.client, this.runId, pipelineFeedSignal, message);
      } catch (err) {
        if (mayHaveLanded(err)) {
          this.unconfirmed = message;
          this.nextSeq += 1;
        }
        throw err;
      }
      this.nextSeq += 1;
    });
    this.tail = turn.catch(() => undefined);
    await turn;
  }

  /** Closes the input: the run completes once every item fed so far is through. */
  async closeInput(): Promise<void> {
    await this.feed([], { last: true });
  }

  /** The run's progress (`pipeline.run-progress`). */
  async progress(): Promise<RunProgress> {
    return this.handle.query(pipelineRunProgressQuery);
  }

  /** One stage's progress (`pipeline.stage-progress`); `UnknownStageError` for a stage the pipeline lacks. */
  async stageProgress(stage: string): Promise<StageProgress> {
    const run = await this.progress();
    if (!run.stages.includes(stage)) throw new UnknownStageError(run.pipeline, stage, run.stages);
    return this.client.workflow
      .getHandle(stageWorkflowId(this.runId, stage))
      .query(pipelineStageProgressQuery);
  }

  /** Every item's outcome once the run completes; rejects with the run's failure (e.g. `PipelineItemFailedError` as its cause). */
  async result(): Promise<PipelineResult> {
    return this.handle.result();
  }
}

/**
 * Starts a pipeline run: validates the definition again (a cycle or unknown stage rejects before
 * anything starts) and the items, then starts the run workflow, which starts its stage workflows.
 *
 * @example
 * const run = await startPipeline(client, etl, { runId: 'etl-2024-06-01', taskQueue: 'etl', items, closeInput: true });
 * const { items: outcomes } = await run.result();
 */
export async function startPipeline(
  client: Client,
  definition: PipelineDefinition,
  options: StartPipelineOptions,
): Promise<PipelineRun> {
  const checked = definePipeline(definition.name, definition.stages);
  const { runId, taskQueue, items = [], closeInput = false, ...runOptions } = options;
  const maxItemBytes = runOptions.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  checkItems(items, maxItemBytes);
  // The run would refuse the start items past its cap: say so before it starts.
  const maxHeldBytes = runOptions.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  let held = 0;
  for (const item of items) {
    held += payloadSize(item.id) + payloadSize(item.ref);
    if (held > maxHeldBytes) throw new PipelineRunFullError(runId, item.id, held, maxHeldBytes);
  }
  await client.workflow.start(pipelineRunWorkflow, {
    workflowId: runId,
    taskQueue,
    args: [{ definition: checked, items, closeInput, options: runOptions }],
  });
  return new PipelineRun(client, runId, maxItemBytes);
}

/** A handle on an existing run, to feed it or read its progress from another process. */
export function getPipelineRun(
  client: Client,
  runId: string,
  options: { maxItemBytes?: number } = {},
): PipelineRun {
  return new PipelineRun(client, runId, options.maxItemBytes);
}
