import { ApplicationFailure } from '@temporalio/common';

// ApplicationFailure subclasses: thrown from a workflow, they fail it with a recognisable `type` instead
// of failing the workflow task and retrying it forever.

/**
 * A guarded call gave up waiting: the breaker of `dependency` stayed open (or half-open without a probe
 * permit for this caller) for longer than the guard's `maxWait`.
 */
export class CircuitOpenError extends ApplicationFailure {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly dependency: string,
    readonly breakerWorkflowId: string,
    readonly state: string,
    readonly waitedMs: number,
  ) {
    super(
      `Circuit breaker for "${dependency}" (${breakerWorkflowId}) is ${state}; gave up after waiting ${waitedMs} ms`,
      'CircuitOpenError',
      true,
      [{ dependency, breakerWorkflowId, state, waitedMs }],
    );
  }
}

/** Circuit breaker options are out of range; `problems` lists every field that is wrong and why. */
export class InvalidCircuitBreakerOptionsError extends ApplicationFailure {
  override readonly name = 'InvalidCircuitBreakerOptionsError';
  constructor(
    readonly dependency: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid circuit breaker options for "${dependency}": ${problems.join('; ')}`,
      'InvalidCircuitBreakerOptionsError',
      true,
      [{ dependency, problems }],
    );
  }
}
