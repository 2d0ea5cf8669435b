import {
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  log,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  SequenceGapError,
  SequencedReceiver,
  SignalTimeoutError,
  assertPayloadSize,
  setTypedHandler,
  type SequencedReceiverState,
} from '@temporal-patterns/signal-utils';
import {
  WorkflowLoop,
  durationToMs,
  payloadSize,
  shouldContinueAsNew,
} from '@temporal-patterns/signal-utils/pattern-kit';
import {
  DEFAULT_WINDOW,
  PIPELINE_INPUT,
  definePipeline,
  getStage,
  sinkStages,
  sourceStages,
  stageWorkflowId,
  type PipelineDefinition,
} from './pipeline-definition.js';
import {
  EDGE_SIGNAL_BUDGET_BYTES,
  EdgeInbox,
  MAX_EARLY_ITEMS,
  EdgeOutbox,
  newOutboxState,
  type InboxState,
  type OutboxState,
} from './edges.js';
import {
  InvalidPipelineItemError,
  PipelineItemFailedError,
  PipelineItemTooLargeError,
  PipelineRunFullError,
  PipelineStalledError,
  UnknownStageError,
} from './errors.js';
import {
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_HELD_BYTES,
  DEFAULT_MAX_ITEM_BYTES,
  type PipelineRunOptions,
} from './runtime-options.js';
import {
  pipelineCreditSignal,
  pipelineFeedSignal,
  pipelineItemsSignal,
  parsePipelineItem,
  pipelineRunProgressQuery,
  pipelineStageFailedSignal,
  type FeedBatch,
  type ItemEnvelope,
  type ItemOutcome,
  type PipelineItem,
  type PipelineResult,
  type RunProgress,
  type StageFailedMessage,
} from './definitions.js';
import { pipelineStageWorkflow } from './stage-workflow.js';

/**
 * An item's outcome as a run carries it: the id is the one at `index` in `seenIds`, and each output
 * reference is stored once (`output` is derived for the result). Runs before this shape also carried
 * `id` and `output`; they are dropped when read.
 */
export type CarriedOutcome = Omit<ItemOutcome, 'id' | 'output'>;

/** Everything a run carries into its next run. */
export interface RunState {
  feed: SequencedReceiverState<FeedBatch>;
  /** Ids of the accepted items, in input order (an item's index is its position): the dedup memory. */
  seenIds: string[];
  inputClosed: boolean;
  outboxes: OutboxState[];
  inbox: InboxState;
  partial: Array<{ id: string; index: number; outputs: Record<string, ItemEnvelope> }>;
  outcomes: CarriedOutcome[];
  lastProgressAt: number;
  runs: number;
  failure?: StageFailedMessage;
  /** Encoded bytes of the accepted items' ids and references and of their outputs, for `maxHeldBytes`. */
  heldBytes?: number;
  /** Fed items refused because the run was full. */
  refused?: number;
}

/** Input of {@link pipelineRunWorkflow}. */
export interface PipelineRunInput {
  definition: PipelineDefinition;
  /** Items to feed at start, in order. */
  items?: PipelineItem[];
  /** No items follow `items`: the run completes once they are through. Defaults to false (feed more with `pipeline.feed`). */
  closeInput?: boolean;
  options?: PipelineRunOptions;
  /** @internal carried across continue-as-new */
  state?: RunState;
}

/**
 * A pipeline run: starts one stage workflow per stage (ids `<runId>/stage/<name>`), feeds them the items
 * it receives (`items` at start, then `pipeline.feed` signals, numbered per feeder), collects what the
 * last stages hand on, and returns every item's outcome once the input is closed and every item is
 * through. Fails with `PipelineItemFailedError` or `PipelineStalledError` (cancelling its stages) when a
 * stage's policy or a stalled wait says so. Register it and {@link pipelineStageWorkflow} on your worker.
 */
export async function pipelineRunWorkflow(input: PipelineRunInput): Promise<PipelineResult> {
  const info = workflowInfo();
  const runId = info.workflowId;
  // Refuse a bad definition (cycle, unknown stage) before any stage starts.
  const definition = definePipeline(input.definition.name, input.definition.stages);
  const options = input.options ?? {};
  const stageNames = definition.stages.map((s) => s.name);
  const sources = sourceStages(definition);
  const sinks = sinkStages(definition);
  const idleTimeoutMs = durationToMs(options.idleTimeout ?? '10 minutes');
  const maxItemBytes = options.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  const saved = input.state;

  if (!saved) {
    for (const stage of stageNames) {
      // Abandon: a run continuing as new must not take its stages down; the run cancels them itself on failure.
      await startChild(pipelineStageWorkflow, {
        workflowId: stageWorkflowId(runId, stage),
        taskQueue: options.stageTaskQueue ?? info.taskQueue,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [{ runId, definition, stage, options }],
      });
    }
  }

  const feed = new SequencedReceiver(pipelineFeedSignal, {
    gapTimeout: options.gapTimeout ?? '1 minute',
    state: saved?.feed,
  });
  const seenIds = new Set(saved?.seenIds ?? []);
  let inputClosed = saved?.inputClosed ?? false;
  const outboxes = (
    saved?.outboxes ??
    sources.map((s) =>
      newOutboxState(s, stageWorkflowId(runId, s), getStage(definition, s).window ?? DEFAULT_WINDOW),
    )
  ).map((s) => new EdgeOutbox(s, PIPELINE_INPUT, options.maxBatchSize ?? DEFAULT_MAX_BATCH));
  const inbox = new EdgeInbox(sinks, saved?.inbox);
  const partial = new Map((saved?.partial ?? []).map((p) => [p.id, p]));
  const outcomes: CarriedOutcome[] = (saved?.outcomes ?? []).map((o) => ({
    index: o.index,
    status: o.status,
    outputs: o.outputs,
    ...(o.failure ? { failure: o.failure } : {}),
  }));
  const maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  let heldBytes = saved?.heldBytes ?? payloadSize(saved?.seenIds) + payloadSize(outcomes);
  let refused = saved?.refused ?? 0;
  let lastProgressAt = saved?.lastProgressAt ?? Date.now();
  const runs = (saved?.runs ?? 0) + 1;
  let failure: StageFailedMessage | undefined = saved?.failure;
  let stalled: PipelineStalledError | undefined;
  let tooLarge: PipelineItemTooLargeError | undefined;
  // Edge sends run in the background; they never reject, so an error here is a bug: log it, go on.
  const loop = new WorkflowLoop({
    onTaskError: (err) => log.error(`Pipeline run ${runId}: ${String(err)}`),
  });

  const count = (status: ItemOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  const outcomeOf = (o: CarriedOutcome, ids: readonly string[]): ItemOutcome => ({
    id: ids[o.index]!,
    index: o.index,
    status: o.status,
    outputs: o.outputs,
    ...(sinks.length === 1 && o.status === 'completed' ? { output: o.outputs[sinks[0]!] } : {}),
    ...(o.failure ? { failure: o.failure } : {}),
  });
  const allSent = () => outboxes.every((o) => o.state.endSent);
  const done = () => inputClosed && allSent() && inbox.allEnded() && partial.size === 0;
  const progress = (): RunProgress => ({
    runId,
    pipeline: definition.name,
    stages: stageNames,
    fed: seenIds.size,
    completed: count('completed'),
    failed: count('failed'),
    skipped: count('skipped'),
    outstanding: seenIds.size - outcomes.length,
    inputClosed,
    duplicateFeedBatches: feed.duplicatesDropped,
    refused,
    runs,
    done: done(),
  });

  const accept = (items: readonly unknown[], source: string): void => {
    for (const raw of items) {
      let item: PipelineItem;
      try {
        item = parsePipelineItem(raw);
        assertPayloadSize(item.ref, `ref of item "${item.id}"`, maxItemBytes);
      } catch (err) {
        const error = new InvalidPipelineItemError(
          err instanceof Error ? err.message : String(err),
          // Cut: an over-long id is what may have been refused, and it must not flood the log.
          typeof (raw as { id?: unknown })?.id === 'string'
            ? (raw as { id: string }).id.slice(0, 100)
            : undefined,
        );
        log.warn(`Pipeline run ${runId} dropped an item from ${source}: ${error.message}`, {
          type: error.type,
        });
        continue;
      }
      if (inputClosed) {
        log.warn(`Pipeline run ${runId} dropped item "${item.id}" from ${source}: input is closed`);
        continue;
      }
      if (seenIds.has(item.id)) {
        log.warn(`Pipeline run ${runId} dropped item "${item.id}" from ${source}: duplicate id`);
        continue;
      }
      const bytes = payloadSize(item.id) + payloadSize(item.ref);
      if (heldBytes + bytes > maxHeldBytes) {
        const error = new PipelineRunFullError(runId, item.id, heldBytes + bytes, maxHeldBytes);
        refused += 1;
        log.warn(`Pipeline run ${runId} refused item "${item.id}" from ${source}: ${error.message}`, {
          type: error.type,
        });
        continue;
      }
      heldBytes += bytes;
      const envelope: ItemEnvelope = { id: item.id, index: seenIds.size, status: 'ok', ref: item.ref };
      seenIds.add(item.id);
      for (const outbox of outboxes) outbox.push(envelope);
      lastProgressAt = Date.now();
    }
  };

  const deliver = (sink: string, envelope: ItemEnvelope): void => {
    const entry = partial.get(envelope.id) ?? { id: envelope.id, index: envelope.index, outputs: {} };
    entry.outputs[sink] = envelope;
    partial.set(envelope.id, entry);
    if (!sinks.every((s) => entry.outputs[s] !== undefined)) return;
    partial.delete(envelope.id);
    const envelopes = sinks.map((s) => entry.outputs[s]!);
    const stop =
      envelopes.find((e) => e.status === 'failed') ?? envelopes.find((e) => e.status === 'skipped');
    const outputs: Record<string, unknown> = {};
    for (const e of envelopes) if (e.status === 'ok') outputs[sinks[envelopes.indexOf(e)]!] = e.ref;
    const outcome: CarriedOutcome = {
      index: entry.index,
      status: stop ? (stop.status === 'failed' ? 'failed' : 'skipped') : 'completed',
      outputs,
      ...(stop?.failure ? { failure: stop.failure } : {}),
    };
    outcomes.push(outcome);
    heldBytes += payloadSize(outcome);
  };

  if (!saved) {
    accept(input.items ?? [], 'the start input');
    if (input.closeInput) inputClosed = true;
  }

  setTypedHandler(pipelineItemsSignal, (message) => {
    if (!inbox.has(message.channel)) {
      const error = new UnknownStageError(definition.name, message.channel, sinks);
      log.warn(
        `Pipeline run ${runId} dropped items from a stage that is not a last stage: ${error.message}`,
        {
          sender: message.sender,
          type: error.type,
        },
      );
      return;
    }
    // Only the last stage itself hands on its items: anything else could displace or end them.
    const expected = stageWorkflowId(runId, message.channel);
    if (message.sender !== expected) {
      log.warn(
        `Pipeline run ${runId} dropped items on "${message.channel}" from ${message.sender.slice(0, 100)}: ` +
          `only ${expected} sends on that edge`,
        { sender: message.sender.slice(0, 100) },
      );
      return;
    }
    // A last stage hands on each accepted item once: no number far past the count of items accepted.
    const maxSeq = Math.max(seenIds.size, inbox.limit(message.channel, MAX_EARLY_ITEMS));
    const entries = inbox.accept(message.channel, message.entries, message.endAfter, maxSeq);
    for (const envelope of entries) deliver(message.channel, envelope);
    for (const refusal of inbox.takeRefusals())
      log.warn(`Pipeline run ${runId} dropped ${refusal}`, { sender: message.sender });
    lastProgressAt = Date.now();
    loop.wake();
  });
  setTypedHandler(pipelineCreditSignal, (message) => {
    const outbox = outboxes.find((o) => o.state.target === message.stage);
    if (!outbox) {
      log.warn(`Pipeline run ${runId} ignored credit from "${message.stage}", which is not a first stage`);
      return;
    }
    outbox.credit(message.released);
    loop.wake();
  });
  setTypedHandler(pipelineStageFailedSignal, (message) => {
    if (!stageNames.includes(message.stage)) {
      log.warn(`Pipeline run ${runId} ignored a failure report from unknown stage "${message.stage}"`);
      return;
    }
    // A failure fails the whole run: only the stage's own workflow may report one.
    if (message.sender !== stageWorkflowId(runId, message.stage)) {
      log.warn(
        `Pipeline run ${runId} ignored a failure report of stage "${message.stage}" from ` +
          `${message.sender.slice(0, 100)}, which is not that stage`,
      );
      return;
    }
    failure ??= message;
    loop.wake();
  });
  setHandler(pipelineRunProgressQuery, progress);

  // Feed batches arrive numbered per feeder; the receiver hands them over in order, exactly once.
  let feedError: unknown;
  const feedLoop = async (): Promise<void> => {
    while (!inputClosed && !stalled) {
      try {
        const message = await feed.receive(idleTimeoutMs);
        accept(message.payload.items, `feeder "${message.channel}"`);
        if (message.payload.last) inputClosed = true;
        loop.wake();
      } catch (err) {
        if (err instanceof SignalTimeoutError) continue;
        if (err instanceof SequenceGapError && feederGaps().some((g) => g.channel === err.channel)) {
          skipFeederGaps(Date.now());
          continue;
        }
        if (err instanceof SequenceGapError) {
          stalled = new PipelineStalledError(
            runId,
            PIPELINE_INPUT,
            `feed batch ${err.expectedSeq} from "${err.channel}"`,
            err.gapTimeoutMs,
          );
          loop.wake();
          return;
        }
        throw err;
      }
    }
  };
  // A feeder numbers from 1 and sends in order: a channel whose batch 1 has not come within the gap
  // timeout is no feeder's. The loop skips its gap (logged) and takes its later batches like any
  // feeder's (feeding is open) instead of failing the run as stalled.
  const gapTimeoutMs = durationToMs(options.gapTimeout ?? '1 minute');
  const feederGaps = () =>
    Object.entries(feed.snapshot().channels).flatMap(([channel, c]) =>
      c.nextSeq === 1 && c.gapSince !== undefined
        ? [{ channel, due: c.gapSince + gapTimeoutMs, first: Math.min(...c.buffered.map((m) => m.seq)) }]
        : [],
    );
  const skipFeederGaps = (now: number): number | undefined => {
    let next: number | undefined;
    for (const gap of feederGaps()) {
      if (now < gap.due) {
        next = Math.min(next ?? gap.due, gap.due);
        continue;
      }
      log.warn(
        `Pipeline run ${runId} ignored the missing feed batches before ${gap.first} from ` +
          `"${gap.channel.slice(0, 100)}": batch 1 never came`,
      );
      feed.skipGap(gap.channel);
    }
    return next;
  };
  // A feed batch reaches the receiver, not the loop: wake the loop once for each new feeder gap to time.
  const timedGaps = new Set<string>();
  const watchFeederGaps = (): void => {
    condition(() => feederGaps().some((g) => !timedGaps.has(g.channel))).then(
      () => {
        for (const g of feederGaps()) timedGaps.add(g.channel);
        loop.wake();
        watchFeederGaps();
      },
      () => undefined,
    );
  };
  if (!inputClosed) {
    watchFeederGaps();
    feedLoop().catch((err: unknown) => {
      feedError = err;
      loop.wake();
    });
  }

  const cancelStages = async (): Promise<void> => {
    await Promise.all(
      stageNames.map(async (stage) => {
        try {
          await getExternalWorkflowHandle(stageWorkflowId(runId, stage)).cancel();
        } catch {
          // Already closed.
        }
      }),
    );
  };

  let continuing = false;
  for (;;) {
    if (feedError !== undefined) throw feedError;
    const seen = loop.mark();
    const now = Date.now();
    if (failure) {
      await cancelStages();
      if (failure.kind === 'item-failed')
        throw new PipelineItemFailedError(
          runId,
          failure.stage,
          failure.itemId ?? '?',
          failure.reason ?? 'error',
          failure.detail,
        );
      if (failure.kind === 'item-too-large')
        throw new PipelineItemTooLargeError(
          runId,
          failure.stage,
          failure.target ?? '?',
          failure.itemId ?? '?',
          failure.bytes ?? 0,
          failure.maxBytes ?? EDGE_SIGNAL_BUDGET_BYTES,
        );
      throw new PipelineStalledError(runId, failure.stage, failure.detail, failure.waitedMs ?? 0);
    }
    if (tooLarge) {
      await cancelStages();
      throw tooLarge;
    }
    const outstanding = !done() && (seenIds.size > outcomes.length || inputClosed);
    if (!stalled && outstanding && now - lastProgressAt >= idleTimeoutMs)
      stalled = new PipelineStalledError(
        runId,
        '@run',
        'progress on outstanding items',
        now - lastProgressAt,
      );
    if (stalled) {
      await cancelStages();
      throw stalled;
    }
    if (done() && loop.pendingTasks === 0) {
      const ids = [...seenIds];
      const items = [...outcomes].sort((a, b) => a.index - b.index).map((o) => outcomeOf(o, ids));
      return {
        runId,
        items,
        completed: count('completed'),
        failed: count('failed'),
        skipped: count('skipped'),
        refused,
      };
    }
    if (!continuing && shouldContinueAsNew({ maxHistoryEvents: options.maxHistoryEvents })) continuing = true;
    if (continuing) {
      if (loop.pendingTasks === 0) {
        await loop.drainAndContinueAsNew<typeof pipelineRunWorkflow>(() => [
          {
            definition,
            options,
            state: {
              feed: feed.snapshot(),
              seenIds: [...seenIds],
              inputClosed,
              outboxes: outboxes.map((o) => o.state),
              inbox: inbox.snapshot(),
              partial: [...partial.values()],
              outcomes,
              lastProgressAt,
              runs,
              failure,
              heldBytes,
              refused,
            },
          },
        ]);
      }
    } else {
      for (const outbox of outboxes) {
        if (outbox.canSend(inputClosed))
          loop.spawn(async () => {
            await outbox.send(inputClosed, runId);
            const { oversized } = outbox;
            if (oversized)
              tooLarge ??= new PipelineItemTooLargeError(
                runId,
                PIPELINE_INPUT,
                outbox.state.target,
                oversized.itemId,
                oversized.bytes,
                EDGE_SIGNAL_BUDGET_BYTES,
              );
          });
      }
    }
    if (loop.changedSince(seen)) continue;
    const deadlines = outboxes.map((o) => o.retryDeadline).filter((d): d is number => d !== undefined);
    const feederGap = inputClosed ? undefined : skipFeederGaps(Date.now());
    if (feederGap !== undefined) deadlines.push(feederGap);
    if (outstanding) deadlines.push(lastProgressAt + idleTimeoutMs);
    loop.wakeAt(deadlines.length > 0 ? Math.min(...deadlines) : undefined);
    await loop.waitForChange(seen);
  }
}
