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

/** `type` of {@link CircuitBreakerRefusedError}, for code that sees it as an `ApplicationFailure`. */
export const CIRCUIT_BREAKER_REFUSED = 'CircuitBreakerRefusedError';

/**
 * The activity wrapper (`withCircuitBreaker`) refused a call because the breaker is open (or half-open
 * and this caller holds no probe permit): the dependency was not called. Non-retryable; the workflow
 * should go back to its guard (`DependentBreaker.noteCallError` makes that guard wait).
 */
export class CircuitBreakerRefusedError extends PatternFailure {
  constructor(
    readonly dependency: string,
    readonly breakerWorkflowId: string,
    readonly state: string,
    readonly epoch: number,
    readonly retryAfterMs: number,
  ) {
    super(
      CIRCUIT_BREAKER_REFUSED,
      `Circuit breaker for "${dependency}" (${breakerWorkflowId}) is ${state}: call refused without reaching the dependency`,
      { dependency, breakerWorkflowId, state, epoch, retryAfterMs },
    );
  }
}
