// Client entry: code for workers, activities and clients. Never imported by workflow code.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { assertPayloadSize, sendSignal } from '@temporal-patterns/signal-utils/client';
import { definePipeline, stageWorkflowId, type PipelineDefinition } from './pipeline-definition.js';
import { InvalidPipelineItemError, UnknownStageError } from './errors.js';
import { pipelineRunWorkflow } from './run-workflow.js';
import { DEFAULT_MAX_ITEM_BYTES, type PipelineRunOptions } from './runtime-options.js';
import {
  pipelineFeedSignal,
  parsePipelineItem,
  pipelineRunProgressQuery,
  pipelineStageProgressQuery,
  type PipelineItem,
  type PipelineResult,
  type RunProgress,
  type StageProgress,
} from './definitions.js';

export * from './index.js';
// Here rather than in the root entry (at its cap of 25 names): a client is where a run's failure is read.
export { PipelineItemTooLargeError } from './errors.js';

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
      throw new InvalidPipelineItemError((err as Error).message, (raw as { id?: string } | null)?.id);
    }
    try {
      assertPayloadSize(item.ref, `ref of item "${item.id}"`, maxBytes);
    } catch (err) {
      throw new InvalidPipelineItemError((err as Error).message, item.id);
    }
  }
}

/** A pipeline run seen from a client: feed it, watch its progress, await its result. */
export class PipelineRun {
  private nextSeq = 1;

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
   * Feeds `items` as one numbered batch; `last` closes the input after them. Malformed items reject
   * with `InvalidPipelineItemError` before anything is sent; a closed run with
   * `ExternalWorkflowNotFoundError`.
   */
  async feed(items: PipelineItem[], options: { last?: boolean } = {}): Promise<void> {
    checkItems(items, this.maxItemBytes);
    const seq = this.nextSeq++;
    await sendSignal(this.client, this.runId, pipelineFeedSignal, {
      channel: this.feeder,
      seq,
      sender: this.feeder,
      payload: { items, ...(options.last ? { last: true } : {}) },
    });
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
