/**
 * What a dependent workflow tells its breaker handle and gets back from the guard: which breaker (and how
 * to start it on demand), how long to wait, and the permit. Apart from dependent.ts, which holds the logic.
 */
import type { ActivityOptions, Duration } from '@temporalio/common';
import type { BreakerState } from './definitions.js';
import type { CircuitBreakerOptions } from './options.js';

/**
 * Which breaker, and how to start it when it is not running yet (breakers are created on demand by the
 * first subscription or report, with signal-with-start).
 */
export interface BreakerRef {
  /** Name of the protected dependency; the breaker's workflow id is `circuit-breaker:<dependency>`. */
  dependency: string;
  /** Task queue a breaker started on demand runs on. Defaults to this workflow's task queue. */
  taskQueue?: string;
  /** Options of a breaker started on demand (a running breaker keeps its own). Defaults to the defaults. */
  options?: CircuitBreakerOptions;
  /**
   * Options of the signal-with-start activity (`signalUtilsSignalWithStart`, registered with
   * `createCircuitBreakerActivities`). Defaults to a 30 second start-to-close timeout.
   */
  activityOptions?: ActivityOptions;
}

/** How long a guard waits while the breaker is open, and what it does then. */
export interface BreakerGuardOptions {
  /** Longest time to wait for the breaker to let this call through. Defaults to no limit. */
  maxWait?: Duration;
  /**
   * After `maxWait`: `'throw'` a `CircuitOpenError`, or `'proceed'` with the call anyway (the permit
   * says `timedOut`). Defaults to `'throw'`.
   */
  onTimeout?: 'throw' | 'proceed';
  /**
   * How long to wait for the breaker to answer a permit request; an unanswered request lets the call
   * proceed (logged), because an unavailable breaker must not stop the dependent. Defaults to 30 seconds.
   */
  requestTimeout?: Duration;
}

/** What a guard decided: go ahead normally, or go ahead as a half-open probe holding `permitId`. */
export interface BreakerPermit {
  decision: 'proceed' | 'probe';
  permitId?: string;
  /** The breaker state the decision was based on. */
  state: BreakerState;
  /** How long the guard waited, in ms. */
  waitedMs: number;
  /** True when `maxWait` ran out and `onTimeout: 'proceed'` let the call through anyway. */
  timedOut?: boolean;
}

/** Options of `DependentBreaker.call`. */
export interface GuardedCallOptions extends BreakerGuardOptions {
  /**
   * Report the call's outcome to the breaker. Turn it off when the activity reports on its own
   * (`withCircuitBreaker`). Defaults to true.
   */
  report?: boolean;
  /**
   * Which errors count as failures of the dependency. Defaults to every error except a cancellation
   * (`isCancellation`), which says nothing about the dependency.
   */
  isFailure?: (error: unknown) => boolean;
}
