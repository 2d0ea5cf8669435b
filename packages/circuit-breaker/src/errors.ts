import { PatternFailure } from '@temporal-patterns/signal-utils/pattern-kit';

// Each extends PatternFailure: thrown from a workflow, it fails the workflow with `type` = class name.

/**
 * A guarded call gave up waiting: the breaker of `dependency` stayed open (or half-open without a probe
 * permit for this caller) for longer than the guard's `maxWait`.
 */
export class CircuitOpenError extends PatternFailure {
  constructor(
    readonly dependency: string,
    readonly breakerWorkflowId: string,
    readonly state: string,
    readonly waitedMs: number,
  ) {
    super(
      'CircuitOpenError',
      `Circuit breaker for "${dependency}" (${breakerWorkflowId}) is ${state}; gave up after waiting ${waitedMs} ms`,
      { dependency, breakerWorkflowId, state, waitedMs },
    );
  }
}

/** Circuit breaker options are out of range; `problems` lists every field that is wrong and why. */
export class InvalidCircuitBreakerOptionsError extends PatternFailure {
  constructor(
    readonly dependency: string,
    readonly problems: readonly string[],
  ) {
    super(
      'InvalidCircuitBreakerOptionsError',
      `Invalid circuit breaker options for "${dependency}": ${problems.join('; ')}`,
      { dependency, problems },
    );
  }
}
