import { PatternFailure } from '@temporal-patterns/signal-utils/pattern-kit';

// Each extends PatternFailure: thrown from a workflow, it fails the workflow with `type` = class name.

/** The fan-out's options are invalid (empty `childWorkflowType`, window below 1, quorum above the count…). */
export class InvalidFanoutInputError extends PatternFailure {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super('InvalidFanoutInputError', `Invalid fan-out input "${field}": ${reason}`, { field, reason });
  }
}

/** Thrown by a child's `runFanoutChild` after it reported its failure, so the child run shows as failed. */
export class FanoutChildFailedError extends PatternFailure {
  constructor(
    readonly parentWorkflowId: string,
    readonly childId: string,
    readonly index: number,
    readonly reason: string,
  ) {
    super(
      'FanoutChildFailedError',
      `Fan-out child ${childId} (index ${index} of ${parentWorkflowId}) failed: ${reason}`,
      { parentWorkflowId, childId, index, reason },
    );
  }
}

/** The message of a thrown value, for logs and outcomes. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
