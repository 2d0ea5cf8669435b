import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { proxyActivities } from '@temporalio/workflow';
import type { StageActivityInput, StageDefinition } from './pipeline-definition.js';
import type { ReadyItem } from './stage-joins.js';

/** A stage's activity, called once per item with a reference to each input; returns a reference to its output. */
export type StageActivity = (input: StageActivityInput) => Promise<unknown>;

/** The activity of `stage`, with its timeout, retry policy and task queue (defaults: 1 minute, 3 attempts 1 s apart). */
export function stageActivity(stage: StageDefinition): StageActivity {
  return proxyActivities<Record<string, StageActivity>>({
    startToCloseTimeout: stage.itemTimeout ?? '1 minute',
    retry: stage.retry ?? { maximumAttempts: 3, initialInterval: '1s' },
    ...(stage.taskQueue ? { taskQueue: stage.taskQueue } : {}),
  })[stage.activity]!;
}

/** What the activity of stage `stage` of run `runId` receives for `item`, whose inputs came from `upstream`. */
export function stageActivityInput(
  runId: string,
  stage: string,
  upstream: readonly string[],
  item: ReadyItem,
): StageActivityInput {
  return {
    runId,
    stage,
    itemId: item.id,
    index: item.index,
    ref: upstream.length === 1 ? item.inputs[upstream[0]!] : undefined,
    inputs: item.inputs,
    idempotencyKey: `${runId}/${stage}/${item.id}`,
  };
}

/** How an activity failed for good: whether it timed out, and the message to report (the cause's, not the wrapper's). */
export function describeActivityFailure(err: unknown): { timedOut: boolean; detail: string } {
  const timedOut = err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
  const detail =
    err instanceof ActivityFailure && err.cause
      ? err.cause.message
      : err instanceof Error
        ? err.message
        : String(err);
  return { timedOut, detail };
}
