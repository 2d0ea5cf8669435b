import { ApplicationFailure } from '@temporalio/common';

// Every error is an ApplicationFailure with `type` = class name, so a workflow that throws one fails
// with a recognisable type (and the caller can tell them apart) instead of retrying its task forever.

/** A pipeline definition is malformed: no stages, a duplicate name, an unknown downstream stage… */
export class InvalidPipelineDefinitionError extends ApplicationFailure {
  override readonly name = 'InvalidPipelineDefinitionError';
  constructor(
    readonly pipeline: string,
    readonly reason: string,
  ) {
    super(`Invalid pipeline "${pipeline}": ${reason}`, 'InvalidPipelineDefinitionError', true, [
      { pipeline, reason },
    ]);
  }
}

/** A stage name that the pipeline does not define (a query, a signal or a downstream reference). */
export class UnknownStageError extends ApplicationFailure {
  override readonly name = 'UnknownStageError';
  constructor(
    readonly pipeline: string,
    readonly stage: string,
    readonly knownStages: readonly string[],
  ) {
    super(
      `Pipeline "${pipeline}" has no stage "${stage}" (stages: ${knownStages.join(', ')})`,
      'UnknownStageError',
      true,
      [{ pipeline, stage, knownStages }],
    );
  }
}

/** An item fed into a pipeline is malformed (missing id, reference too large, …). */
export class InvalidPipelineItemError extends ApplicationFailure {
  override readonly name = 'InvalidPipelineItemError';
  constructor(
    readonly reason: string,
    readonly itemId?: string,
  ) {
    super(
      `Invalid pipeline item${itemId !== undefined ? ` "${itemId}"` : ''}: ${reason}`,
      'InvalidPipelineItemError',
      true,
      [{ reason, itemId }],
    );
  }
}

/** Why an item did not make it through a stage. */
export type ItemFailureReason = 'error' | 'timeout' | 'join-timeout';

/**
 * An item failed in a stage whose policy is `fail-run`: the pipeline run fails with this error, naming
 * the run, the stage and the item.
 */
export class PipelineItemFailedError extends ApplicationFailure {
  override readonly name = 'PipelineItemFailedError';
  constructor(
    readonly runId: string,
    readonly stage: string,
    readonly itemId: string,
    readonly reason: ItemFailureReason,
    readonly detail: string,
  ) {
    super(
      `Pipeline run ${runId}: item "${itemId}" failed in stage "${stage}" (${reason}): ${detail}`,
      'PipelineItemFailedError',
      true,
      [{ runId, stage, itemId, reason, detail }],
    );
  }
}

/**
 * A wait that should have ended did not: a missing sequence number, credit that never came back, or a
 * run that made no progress within its idle timeout. The run fails with this error rather than hang.
 */
export class PipelineStalledError extends ApplicationFailure {
  override readonly name = 'PipelineStalledError';
  constructor(
    readonly runId: string,
    readonly stage: string,
    readonly waitingFor: string,
    readonly waitedMs: number,
  ) {
    super(
      `Pipeline run ${runId}: stage "${stage}" waited ${waitedMs} ms for ${waitingFor}`,
      'PipelineStalledError',
      true,
      [{ runId, stage, waitingFor, waitedMs }],
    );
  }
}
