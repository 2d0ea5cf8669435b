import { PatternFailure } from '@temporal-patterns/signal-utils/pattern-kit';

// Each extends PatternFailure: thrown from a workflow, it fails the workflow with `type` = class name.

/** A pipeline definition is malformed: no stages, a duplicate name, an unknown downstream stage… */
export class InvalidPipelineDefinitionError extends PatternFailure {
  constructor(
    readonly pipeline: string,
    readonly reason: string,
  ) {
    super('InvalidPipelineDefinitionError', `Invalid pipeline "${pipeline}": ${reason}`, {
      pipeline,
      reason,
    });
  }
}

/** A stage name that the pipeline does not define (a query, a signal or a downstream reference). */
export class UnknownStageError extends PatternFailure {
  constructor(
    readonly pipeline: string,
    readonly stage: string,
    readonly knownStages: readonly string[],
  ) {
    super(
      'UnknownStageError',
      `Pipeline "${pipeline}" has no stage "${stage}" (stages: ${knownStages.join(', ')})`,
      { pipeline, stage, knownStages },
    );
  }
}

/** An item fed into a pipeline is malformed (missing id, reference too large, …). */
export class InvalidPipelineItemError extends PatternFailure {
  constructor(
    readonly reason: string,
    readonly itemId?: string,
  ) {
    super(
      'InvalidPipelineItemError',
      `Invalid pipeline item${itemId !== undefined ? ` "${itemId}"` : ''}: ${reason}`,
      { reason, itemId },
    );
  }
}

/** Why an item did not make it through a stage. */
export type ItemFailureReason = 'error' | 'timeout' | 'join-timeout';

/**
 * An item failed in a stage whose policy is `fail-run`: the pipeline run fails with this error, naming
 * the run, the stage and the item.
 */
export class PipelineItemFailedError extends PatternFailure {
  constructor(
    readonly runId: string,
    readonly stage: string,
    readonly itemId: string,
    readonly reason: ItemFailureReason,
    readonly detail: string,
  ) {
    super(
      'PipelineItemFailedError',
      `Pipeline run ${runId}: item "${itemId}" failed in stage "${stage}" (${reason}): ${detail}`,
      { runId, stage, itemId, reason, detail },
    );
  }
}

/**
 * A wait that should have ended did not: a missing sequence number, credit that never came back, or a
 * run that made no progress within its idle timeout. The run fails with this error rather than hang.
 */
export class PipelineStalledError extends PatternFailure {
  constructor(
    readonly runId: string,
    readonly stage: string,
    readonly waitingFor: string,
    readonly waitedMs: number,
  ) {
    super(
      'PipelineStalledError',
      `Pipeline run ${runId}: stage "${stage}" waited ${waitedMs} ms for ${waitingFor}`,
      { runId, stage, waitingFor, waitedMs },
    );
  }
}

/**
 * An item cannot travel to the next stage: one `pipeline.items` signal carrying it alone would be
 * larger than a signal may be. The run fails with this error (rather than resend a signal the server
 * refuses), naming the item, the stage it comes from (`@input` for a fed item) and the one it was for.
 */
export class PipelineItemTooLargeError extends PatternFailure {
  constructor(
    readonly runId: string,
    readonly stage: string,
    readonly target: string,
    readonly itemId: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      'PipelineItemTooLargeError',
      `Pipeline run ${runId}: item "${itemId}" from stage "${stage}" to "${target}" needs a ${bytes}-byte signal, more than the ${maxBytes} bytes one signal may carry`,
      { runId, stage, target, itemId, bytes, maxBytes },
    );
  }
}

/**
 * A run holds as much as it may (`maxHeldBytes`): the item is refused. `startPipeline` throws it when
 * the start items alone do not fit; a run refuses later fed items with it in its log and counts them.
 */
export class PipelineRunFullError extends PatternFailure {
  constructor(
    readonly runId: string,
    readonly itemId: string,
    readonly bytes: number,
    readonly maxHeldBytes: number,
  ) {
    super(
      'PipelineRunFullError',
      `Pipeline run ${runId} is full: item "${itemId}" would take what it holds to ${bytes} bytes, over its maxHeldBytes of ${maxHeldBytes}`,
      { runId, itemId, bytes, maxHeldBytes },
    );
  }
}
