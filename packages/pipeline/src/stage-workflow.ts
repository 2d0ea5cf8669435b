import { isCancellation, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { assertPayloadSize, setTypedHandler, signalWorkflow } from '@temporal-patterns/signal-utils';
import { WorkflowLoop, durationToMs, shouldContinueAsNew } from '@temporal-patterns/signal-utils/pattern-kit';
import {
  DEFAULT_WINDOW,
  PIPELINE_INPUT,
  PIPELINE_OUTPUT,
  getStage,
  stageWorkflowId,
  upstreamOf,
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
  type OversizedItem,
} from './edges.js';
import { PipelineItemTooLargeError, UnknownStageError, type ItemFailureReason } from './errors.js';
import { DEFAULT_MAX_BATCH, DEFAULT_MAX_ITEM_BYTES, type PipelineRunOptions } from './runtime-options.js';
import {
  pipelineCreditSignal,
  pipelineItemsSignal,
  pipelineStageFailedSignal,
  pipelineStageProgressQuery,
  type ItemEnvelope,
  type ItemFailure,
  type StageFailedMessage,
  type StageProgress,
} from './definitions.js';
import { StageJoins, type JoinState, type ReadyItem } from './stage-joins.js';
import { checkStall } from './stage-stall.js';
import { describeActivityFailure, stageActivity, stageActivityInput } from './stage-activity.js';

/** Everything a stage carries into its next run. */
export interface StageState {
  inbox: InboxState;
  outboxes: OutboxState[];
  joins: JoinState[];
  ready: ReadyItem[];
  /** `channel\nitemId` of inputs whose join was given up (timeout): dropped when they arrive late. */
  abandonedInputs: string[];
  creditSent: Record<string, number>;
  stats: {
    received: number;
    processed: number;
    failed: number;
    skipped: number;
    maxInFlight: number;
    runs: number;
  };
  stallReported: boolean;
}

/** Input of {@link pipelineStageWorkflow}; the run workflow builds it. */
export interface StageWorkflowInput {
  runId: string;
  definition: PipelineDefinition;
  stage: string;
  options: PipelineRunOptions;
  state?: StageState;
}

/** Items an edge waits for before sending while more output is on its way… */
const MIN_BATCH = 5;
/** …but never longer than this. */
const LINGER_MS = 100;

/** Longest failure message an item carries on; longer ones are cut, ending in `…`. */
const MAX_FAILURE_MESSAGE_LENGTH = 1_000;

const truncate = (message: string): string =>
  message.length > MAX_FAILURE_MESSAGE_LENGTH
    ? `${message.slice(0, MAX_FAILURE_MESSAGE_LENGTH - 1)}…`
    : message;

/**
 * One stage of a pipeline run: receives numbered items from its upstream stages (or the run), joins
 * them per item when it has several inputs, runs the stage's activity on each item in order, and hands
 * the results on to its downstream stages (or the run) within their credit. Started by
 * {@link pipelineRunWorkflow}; register it on your worker with the run workflow. Returns its final
 * progress once every input ended and every item was handed on.
 */
export async function pipelineStageWorkflow(input: StageWorkflowInput): Promise<StageProgress> {
  const { runId, definition, options } = input;
  const stage = getStage(definition, input.stage);
  const me = workflowInfo().workflowId;
  const window = stage.window ?? DEFAULT_WINDOW;
  const upstream = upstreamOf(definition, stage.name);
  const joinTimeoutMs = durationToMs(stage.joinTimeout ?? '5 minutes');
  const gapTimeoutMs = durationToMs(options.gapTimeout ?? '1 minute');
  const creditTimeoutMs = durationToMs(options.creditTimeout ?? '10 minutes');
  const maxBatch = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
  const creditBatch = Math.max(1, Math.ceil(window / 2));

  const saved = input.state;
  const inbox = new EdgeInbox(upstream, saved?.inbox);
  const downstream = stage.downstream ?? [];
  const outboxStates: OutboxState[] =
    saved?.outboxes ??
    (downstream.length > 0
      ? downstream.map((d) =>
          newOutboxState(d, stageWorkflowId(runId, d), getStage(definition, d).window ?? DEFAULT_WINDOW),
        )
      : [newOutboxState(PIPELINE_OUTPUT, runId, null)]);
  const outboxes = outboxStates.map((s) => new EdgeOutbox(s, stage.name, maxBatch));
  const joins = new StageJoins(upstream, saved);
  const ready: ReadyItem[] = [...(saved?.ready ?? [])];
  const creditSent: Record<string, number> = { ...(saved?.creditSent ?? {}) };
  const stats = saved?.stats
    ? { ...saved.stats, runs: saved.stats.runs + 1 }
    : { received: 0, processed: 0, failed: 0, skipped: 0, maxInFlight: 0, runs: 1 };
  let stallReported = saved?.stallReported ?? false;

  let fatal: unknown;
  // A failed background task (an activity cancelled with the stage) fails the stage at the next pass.
  const loop = new WorkflowLoop({ onTaskError: (err) => void (fatal ??= err) });
  const concurrency = stage.concurrency ?? 1;
  /** Activities running; their results are handed on in the order they were taken. */
  let active = 0;
  let taken = 0;
  let emitted = 0;
  const results = new Map<number, ItemEnvelope>();
  const creditSending = new Set<string>();

  const handedOn = (): number => Math.min(...outboxes.map((o) => o.state.sent));
  const inFlight = (): number => stats.received - handedOn();
  const finishedInput = (): boolean =>
    inbox.allEnded() && joins.size === 0 && ready.length === 0 && active === 0;
  const done = (): boolean => finishedInput() && outboxes.every((o) => o.state.endSent && !o.sending);

  const progress = (): StageProgress => ({
    runId,
    stage: stage.name,
    received: stats.received,
    processed: stats.processed,
    failed: stats.failed,
    skipped: stats.skipped,
    inFlight: inFlight(),
    maxInFlight: stats.maxInFlight,
    window,
    joining: joins.size,
    duplicatesDropped: inbox.duplicatesDropped,
    runs: stats.runs,
    done: done(),
  });

  const deliver = (channel: string, item: ItemEnvelope): void => {
    const step = joins.accept(channel, item, Date.now());
    if (step?.started) {
      stats.received += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight());
    }
    if (step?.ready) ready.push(step.ready);
  };

  const report = (message: Omit<StageFailedMessage, 'sender' | 'stage'>): void => {
    loop.spawn(async () => {
      try {
        await signalWorkflow(runId, pipelineStageFailedSignal, { sender: me, stage: stage.name, ...message });
      } catch (err) {
        log.error(`Pipeline stage ${stage.name} could not report to run ${runId}`, { error: String(err) });
      }
    });
  };

  const reportOversized = (outbox: EdgeOutbox, { itemId, bytes }: OversizedItem): void => {
    const error = new PipelineItemTooLargeError(
      runId,
      stage.name,
      outbox.state.target,
      itemId,
      bytes,
      EDGE_SIGNAL_BUDGET_BYTES,
    );
    report({
      kind: 'item-too-large',
      itemId,
      target: outbox.state.target,
      bytes,
      maxBytes: EDGE_SIGNAL_BUDGET_BYTES,
      detail: error.message,
    });
  };

  /** Applies a timeout or failure policy to an item: the envelope to hand on. */
  const giveUp = (
    item: { id: string; index: number },
    policy: 'fail-item' | 'skip-item' | 'fail-run',
    reason: ItemFailureReason,
    message: string,
  ): ItemEnvelope => {
    // The failure travels with the item in every later signal: keep it small whatever the error said.
    const failure: ItemFailure = { stage: stage.name, reason, message: truncate(message) };
    if (policy === 'fail-run')
      report({ kind: 'item-failed', itemId: item.id, reason, detail: failure.message });
    return {
      id: item.id,
      index: item.index,
      status: policy === 'skip-item' ? 'skipped' : 'failed',
      failure,
    };
  };

  const activity = stageActivity(stage);

  const process = async (item: ReadyItem, position: number): Promise<void> => {
    let out: ItemEnvelope;
    if (item.status !== 'ok') {
      out = { id: item.id, index: item.index, status: item.status, failure: item.failure };
    } else {
      try {
        const ref = await activity(stageActivityInput(runId, stage.name, upstream, item));
        assertPayloadSize(
          ref,
          `output of stage "${stage.name}" for item "${item.id}"`,
          options.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES,
        );
        out = { id: item.id, index: item.index, status: 'ok', ref };
      } catch (err) {
        if (isCancellation(err)) throw err;
        const { timedOut, detail } = describeActivityFailure(err);
        out = timedOut
          ? giveUp(
              item,
              stage.onTimeout ?? 'fail-item',
              'timeout',
              `activity ${stage.activity} timed out: ${detail}`,
            )
          : giveUp(item, stage.onFailure ?? 'fail-item', 'error', detail);
      }
    }
    if (out.status === 'ok') stats.processed += 1;
    else if (out.status === 'failed') stats.failed += 1;
    else stats.skipped += 1;
    results.set(position, out);
    for (let next = results.get(emitted); next; next = results.get(emitted)) {
      results.delete(emitted);
      emitted += 1;
      for (const outbox of outboxes) outbox.push(next);
    }
  };

  setTypedHandler(pipelineItemsSignal, (message) => {
    if (!inbox.has(message.channel)) {
      const error = new UnknownStageError(definition.name, message.channel, upstream);
      log.warn(`Pipeline stage ${stage.name} dropped items from an unknown upstream: ${error.message}`, {
        sender: message.sender,
        type: error.type,
      });
      return;
    }
    // Only the edge's own sender numbers its items: anything else could displace or end them.
    const expected = message.channel === PIPELINE_INPUT ? runId : stageWorkflowId(runId, message.channel);
    if (message.sender !== expected) {
      log.warn(
        `Pipeline stage ${stage.name} dropped items on "${message.channel}" from ${message.sender.slice(0, 100)}: ` +
          `only ${expected} sends on that edge`,
        { sender: message.sender.slice(0, 100) },
      );
      return;
    }
    // An upstream sends no more than this stage's credit allows; far more ahead than that is not genuine.
    const maxSeq = inbox.limit(message.channel, window + MAX_EARLY_ITEMS);
    for (const item of inbox.accept(message.channel, message.entries, message.endAfter, maxSeq))
      deliver(message.channel, item);
    for (const refusal of inbox.takeRefusals())
      log.warn(`Pipeline stage ${stage.name} dropped ${refusal}`, { sender: message.sender });
    loop.wake();
  });
  setTypedHandler(pipelineCreditSignal, (message) => {
    const outbox = outboxes.find((o) => o.state.target === message.stage);
    if (!outbox) {
      const error = new UnknownStageError(
        definition.name,
        message.stage,
        outboxes.map((o) => o.state.target),
      );
      log.warn(
        `Pipeline stage ${stage.name} ignored credit from a stage it does not feed: ${error.message}`,
        {
          sender: message.sender,
          type: error.type,
        },
      );
      return;
    }
    outbox.credit(message.released);
    loop.wake();
  });
  setHandler(pipelineStageProgressQuery, progress);

  const checkTimeouts = (now: number): number | undefined => {
    let next: number | undefined;
    const soonest = (at: number) => (next = next === undefined ? at : Math.min(next, at));
    for (const join of joins.expire(now, joinTimeoutMs)) {
      const out = giveUp(
        join,
        stage.onTimeout ?? 'fail-item',
        'join-timeout',
        `no input from ${join.missing.join(', ')} within ${joinTimeoutMs} ms`,
      );
      ready.push({ id: out.id, index: out.index, status: out.status, failure: out.failure, inputs: {} });
      loop.wake();
    }
    const joinExpiry = joins.nextExpiry(joinTimeoutMs);
    if (joinExpiry !== undefined) soonest(joinExpiry);
    if (!stallReported) {
      const check = checkStall(inbox, outboxes, now, { gapTimeoutMs, creditTimeoutMs });
      if ('stall' in check) {
        stallReported = true;
        loop.wake();
        report({ kind: 'stalled', ...check.stall });
      } else if (check.deadline !== undefined) soonest(check.deadline);
    }
    for (const o of outboxes) {
      if (o.retryDeadline !== undefined) soonest(o.retryDeadline);
      const linger = o.lingerDeadline(LINGER_MS);
      if (linger !== undefined) soonest(linger);
    }
    return next;
  };

  const sendCredits = (): void => {
    const released = handedOn();
    const idle = ready.length === 0 && joins.size === 0 && active === 0;
    upstream.forEach((u) => {
      const already = creditSent[u] ?? 0;
      if (creditSending.has(u) || inbox.ended(u) || released <= already) return;
      if (released - already < creditBatch && !idle) return;
      creditSending.add(u);
      loop.spawn(async () => {
        try {
          await signalWorkflow(
            u === PIPELINE_INPUT ? runId : stageWorkflowId(runId, u),
            pipelineCreditSignal,
            {
              sender: me,
              stage: stage.name,
              released,
            },
          );
          creditSent[u] = Math.max(creditSent[u] ?? 0, released);
        } catch (err) {
          log.debug(`Pipeline stage ${stage.name}: credit to ${u} not delivered`, { error: String(err) });
          creditSent[u] = Math.max(creditSent[u] ?? 0, released);
        } finally {
          creditSending.delete(u);
        }
      });
    });
  };

  let continuing = false;
  for (;;) {
    if (fatal !== undefined) throw fatal;
    const seen = loop.mark();
    if (done() && loop.pendingTasks === 0) return progress();
    if (!continuing && shouldContinueAsNew({ maxHistoryEvents: options.maxHistoryEvents })) continuing = true;
    if (continuing) {
      if (loop.pendingTasks === 0 && active === 0) {
        await loop.drainAndContinueAsNew<typeof pipelineStageWorkflow>(() => [
          {
            ...input,
            state: {
              inbox: inbox.snapshot(),
              outboxes: outboxes.map((o) => o.state),
              joins: joins.pending(),
              ready,
              abandonedInputs: joins.abandonedInputs(),
              creditSent,
              stats,
              stallReported,
            },
          },
        ]);
      }
    } else {
      while (active < concurrency && ready.length > 0) {
        const next = ready.shift()!;
        const position = taken++;
        active += 1;
        loop.spawn(async () => {
          try {
            await process(next, position);
          } finally {
            active -= 1;
          }
        });
      }
      const finished = finishedInput();
      // More output is coming soon while items are being processed: batch it.
      const quiet = active === 0 && ready.length === 0;
      for (const outbox of outboxes) {
        if (outbox.canSend(finished, quiet, MIN_BATCH, LINGER_MS))
          loop.spawn(async () => {
            await outbox.send(finished, me);
            if (outbox.oversized) reportOversized(outbox, outbox.oversized);
          });
      }
      sendCredits();
    }
    // After this pass's sends, so that a send that just found no credit is timed too.
    const deadline = checkTimeouts(Date.now());
    if (loop.changedSince(seen)) continue;
    loop.wakeAt(deadline);
    await loop.waitForChange(seen);
  }
}
