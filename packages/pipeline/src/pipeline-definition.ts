import type { Duration, RetryPolicy } from '@temporalio/common';
import { assertNoCircularWaits } from '@temporal-patterns/signal-utils/pattern-kit';
import { InvalidPipelineDefinitionError, UnknownStageError } from './errors.js';

/**
 * What a stage does when one of its waits expires (an item's processing or a fan-in join):
 * `fail-item` passes the item downstream as failed, `skip-item` passes it on as skipped (reported, not
 * processed further), `fail-run` fails the whole run with the stage and item named.
 */
export type TimeoutPolicy = 'fail-item' | 'skip-item' | 'fail-run';

/** What a stage does when its activity fails for good: pass the item on as failed, or fail the run. */
export type FailurePolicy = 'fail-item' | 'fail-run';

/** One stage of a pipeline: a long-running workflow that runs `activity` once per item, in order. */
export interface StageDefinition {
  /** Unique within the pipeline; part of the stage workflow's id. Letters, digits, `-` and `_`. */
  name: string;
  /**
   * Name of the activity that processes one item (registered on your worker). It receives a
   * {@link StageActivityInput} and returns a small reference to its output (never the data itself).
   */
  activity: string;
  /** Stages that receive this stage's output. A stage listed by several stages joins their outputs per item. Defaults to none (a sink). */
  downstream?: string[];
  /** Most items this stage holds at once (received and not yet handed on); upstream waits for credit beyond it. Defaults to 20. */
  window?: number;
  /**
   * Activities run at once for this stage. Items are still handed on in input order; with more than 1,
   * activities for later items may finish (and have effects) before earlier ones. Defaults to 1.
   */
  concurrency?: number;
  /** Limit for one activity attempt (start-to-close). Defaults to 1 minute. */
  itemTimeout?: Duration;
  /** Retry policy of the activity. Defaults to 3 attempts, 1 s initial interval. */
  retry?: RetryPolicy;
  /** How long a fan-in stage waits for the other inputs of an item once the first arrived. Defaults to 5 minutes. */
  joinTimeout?: Duration;
  /** Policy when `itemTimeout` (after retries) or `joinTimeout` expires. Defaults to `'fail-item'`. */
  onTimeout?: TimeoutPolicy;
  /** Policy when the activity fails for good. Defaults to `'fail-item'`. */
  onFailure?: FailurePolicy;
  /** Task queue of the activity. Defaults to the stage workflow's task queue. */
  taskQueue?: string;
}

/** A validated pipeline: stages and their edges, a directed acyclic graph. Build it with {@link definePipeline}. */
export interface PipelineDefinition {
  /** A name for logs and errors. */
  readonly name: string;
  readonly stages: readonly StageDefinition[];
}

/** What the stage's activity receives for one item. */
export interface StageActivityInput {
  /** The pipeline run (its workflow id). */
  runId: string;
  stage: string;
  itemId: string;
  /** Position of the item in the run's input, from 0. */
  index: number;
  /** The single input reference: the fed item's `ref` for a first stage, the upstream output otherwise; `undefined` for a fan-in stage. */
  ref: unknown;
  /** Input references by upstream stage (a first stage sees one entry, {@link PIPELINE_INPUT}). */
  inputs: Record<string, unknown>;
  /** `runId/stage/itemId`: use it to make the activity's effects idempotent across retries. */
  idempotencyKey: string;
}

/** Channel name of the run's input, as seen by first stages (`inputs['@input']`). */
export const PIPELINE_INPUT = '@input';
/** Channel name of the run itself, as seen by last stages (their downstream). */
export const PIPELINE_OUTPUT = '@output';

const STAGE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Validates a pipeline definition and returns it normalised, so that a bad definition fails where it is
 * written, before any workflow starts: no stages, a bad or duplicate name, a missing activity, an
 * unknown downstream stage or a bad window throw `InvalidPipelineDefinitionError`; a cycle throws
 * signal-utils' `CircularWaitError` naming it (`a → b → a`).
 *
 * @example
 * const etl = definePipeline('etl', [
 *   { name: 'extract', activity: 'extractItem', downstream: ['transform'] },
 *   { name: 'transform', activity: 'transformItem', downstream: ['load'] },
 *   { name: 'load', activity: 'loadItem' },
 * ]);
 */
export function definePipeline(name: string, stages: readonly StageDefinition[]): PipelineDefinition {
  const fail = (reason: string): never => {
    throw new InvalidPipelineDefinitionError(name, reason);
  };
  if (typeof name !== 'string' || !name) fail('the pipeline needs a name');
  if (!Array.isArray(stages) || stages.length === 0) fail('a pipeline needs at least one stage');
  const names = new Set<string>();
  for (const stage of stages) {
    if (typeof stage?.name !== 'string' || !STAGE_NAME.test(stage.name))
      fail(`stage name ${JSON.stringify(stage?.name)} must be letters, digits, "-" or "_"`);
    if (names.has(stage.name)) fail(`duplicate stage name "${stage.name}"`);
    names.add(stage.name);
    if (typeof stage.activity !== 'string' || !stage.activity)
      fail(`stage "${stage.name}" needs an activity name`);
    if (stage.window !== undefined && (!Number.isInteger(stage.window) || stage.window < 1))
      fail(`stage "${stage.name}" window must be an integer ≥ 1`);
    if (stage.concurrency !== undefined && (!Number.isInteger(stage.concurrency) || stage.concurrency < 1))
      fail(`stage "${stage.name}" concurrency must be an integer ≥ 1`);
  }
  for (const stage of stages) {
    const seen = new Set<string>();
    for (const target of stage.downstream ?? []) {
      if (!names.has(target)) fail(`stage "${stage.name}" lists unknown downstream stage "${target}"`);
      if (seen.has(target)) fail(`stage "${stage.name}" lists downstream "${target}" twice`);
      seen.add(target);
    }
  }
  // "b waits for a" for every edge a → b: a cycle in the flow is a circular wait.
  assertNoCircularWaits(
    stages.flatMap((s) => (s.downstream ?? []).map((d) => ({ waiter: d, waitsFor: s.name }))),
  );
  return {
    name,
    stages: stages.map((s) => ({ ...s, downstream: [...(s.downstream ?? [])] })),
  };
}

/** The stage called `name`, or `UnknownStageError`. */
export function getStage(definition: PipelineDefinition, name: string): StageDefinition {
  const stage = definition.stages.find((s) => s.name === name);
  if (!stage)
    throw new UnknownStageError(
      definition.name,
      name,
      definition.stages.map((s) => s.name),
    );
  return stage;
}

/** Stages that feed `name`, in definition order; `[PIPELINE_INPUT]` for a first stage. */
export function upstreamOf(definition: PipelineDefinition, name: string): string[] {
  const upstream = definition.stages.filter((s) => s.downstream?.includes(name)).map((s) => s.name);
  return upstream.length > 0 ? upstream : [PIPELINE_INPUT];
}

/** Stages nothing feeds: they receive the run's input. */
export function sourceStages(definition: PipelineDefinition): string[] {
  return definition.stages
    .filter((s) => upstreamOf(definition, s.name)[0] === PIPELINE_INPUT)
    .map((s) => s.name);
}

/** Stages with no downstream: their output is the run's output. */
export function sinkStages(definition: PipelineDefinition): string[] {
  return definition.stages.filter((s) => (s.downstream ?? []).length === 0).map((s) => s.name);
}

/** Workflow id of a stage of a run: `<runId>/stage/<stage>`. */
export function stageWorkflowId(runId: string, stage: string): string {
  return `${runId}/stage/${stage}`;
}

/** Default window of a stage: 20 items. */
export const DEFAULT_WINDOW = 20;
