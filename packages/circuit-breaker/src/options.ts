import type { Duration } from '@temporalio/common';
import { durationToMs as durationMs } from '@temporal-patterns/signal-utils/pattern-kit';
import { InvalidCircuitBreakerOptionsError } from './errors.js';

/** When the breaker trips, how long it stays open, and how it probes and broadcasts. */
export interface CircuitBreakerOptions {
  /** Consecutive failures (while closed) that open the breaker. Defaults to 5. */
  failureThreshold?: number;
  /**
   * Share of failures among the last `windowSize` outcomes that opens the breaker, between 0 and 1,
   * once at least `minimumCalls` outcomes are in the window. Defaults to 0.5.
   */
  failureRatio?: number;
  /** How many of the latest outcomes the sliding window holds. Defaults to 20. */
  windowSize?: number;
  /** Outcomes the window needs before `failureRatio` applies. Defaults to 10. */
  minimumCalls?: number;
  /** How long the breaker stays open before it lets probes through (half-open). Defaults to 30 seconds. */
  cooldown?: Duration;
  /** Probe calls admitted at once while half-open, at most 100 (their holders are carried). Defaults to 1. */
  halfOpenProbes?: number;
  /** Successful reports needed while half-open to close the breaker. Defaults to 1. */
  successThreshold?: number;
  /**
   * How long a probe permit is held before it expires and another caller may probe (the holder never
   * reported). Also the re-check interval of waiters that were refused a probe. Defaults to 1 minute.
   */
  probeTimeout?: Duration;
  /**
   * Pause/resume signals sent concurrently per batch. Keep it well under Temporal's 2,000 pending
   * outgoing signals per workflow (at most 1,000 is accepted). Defaults to 500.
   */
  broadcastBatchSize?: number;
  /**
   * Subscribers accepted; further subscriptions are logged and refused, as are subscriptions beyond
   * 768 KiB of subscriber ids (the list is carried across continue-as-new). Defaults to 10,000.
   */
  maxSubscribers?: number;
  /**
   * Continue as new once the history has this many events (the server's suggestion also triggers it).
   * Defaults to none: only the server's suggestion.
   */
  maxHistoryEvents?: number;
}

/** Options with every default applied and durations in milliseconds. */
export interface ResolvedCircuitBreakerOptions {
  failureThreshold: number;
  failureRatio: number;
  windowSize: number;
  minimumCalls: number;
  cooldownMs: number;
  halfOpenProbes: number;
  successThreshold: number;
  probeTimeoutMs: number;
  broadcastBatchSize: number;
  maxSubscribers: number;
  maxHistoryEvents?: number;
}

function isInt(value: number, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Applies defaults and checks every field; throws `InvalidCircuitBreakerOptionsError` listing all
 * problems. Called by the client helpers before they start a breaker and by the breaker itself.
 */
export function resolveCircuitBreakerOptions(
  dependency: string,
  options: CircuitBreakerOptions = {},
): ResolvedCircuitBreakerOptions {
  const problems: string[] = [];
  const duration = (field: string, value: Duration | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    try {
      const ms = durationMs(value);
      if (ms <= 0) problems.push(`${field} must be positive`);
      return ms;
    } catch (err) {
      problems.push(`${field}: ${(err as Error).message}`);
      return fallback;
    }
  };
  const resolved: ResolvedCircuitBreakerOptions = {
    failureThreshold: options.failureThreshold ?? 5,
    failureRatio: options.failureRatio ?? 0.5,
    windowSize: options.windowSize ?? 20,
    minimumCalls: options.minimumCalls ?? 10,
    cooldownMs: duration('cooldown', options.cooldown, 30_000),
    halfOpenProbes: options.halfOpenProbes ?? 1,
    successThreshold: options.successThreshold ?? 1,
    probeTimeoutMs: duration('probeTimeout', options.probeTimeout, 60_000),
    broadcastBatchSize: options.broadcastBatchSize ?? 500,
    maxSubscribers: options.maxSubscribers ?? 10_000,
    maxHistoryEvents: options.maxHistoryEvents,
  };
  if (typeof dependency !== 'string' || dependency.length === 0)
    problems.push('dependency must be a non-empty string');
  if (!isInt(resolved.failureThreshold, 1)) problems.push('failureThreshold must be an integer ≥ 1');
  if (!(resolved.failureRatio > 0 && resolved.failureRatio <= 1))
    problems.push('failureRatio must be in (0, 1]');
  if (!isInt(resolved.windowSize, 1, 10_000)) problems.push('windowSize must be an integer in [1, 10000]');
  if (!isInt(resolved.minimumCalls, 1) || resolved.minimumCalls > resolved.windowSize)
    problems.push('minimumCalls must be an integer in [1, windowSize]');
  if (!isInt(resolved.halfOpenProbes, 1, 100)) problems.push('halfOpenProbes must be an integer in [1, 100]');
  if (!isInt(resolved.successThreshold, 1)) problems.push('successThreshold must be an integer ≥ 1');
  if (!isInt(resolved.broadcastBatchSize, 1, 1_000))
    problems.push('broadcastBatchSize must be an integer in [1, 1000]');
  if (!isInt(resolved.maxSubscribers, 0)) problems.push('maxSubscribers must be an integer ≥ 0');
  if (resolved.maxHistoryEvents !== undefined && !isInt(resolved.maxHistoryEvents, 10))
    problems.push('maxHistoryEvents must be an integer ≥ 10');
  if (problems.length > 0) throw new InvalidCircuitBreakerOptionsError(String(dependency), problems);
  return resolved;
}
