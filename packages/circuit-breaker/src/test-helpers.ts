// Helpers shared by this package's tests (not part of the published entries).
import type { Client } from '@temporalio/client';
import { inspectCircuitBreaker, withCircuitBreaker, type BreakerInspection } from './client.js';
import type { CallInput } from './test-workflows.js';

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One call to the fake dependency, with the breaker state the breaker itself reported at that moment. */
export interface CallRecord extends CallInput {
  breakerState: BreakerInspection['state'] | 'absent';
  ok: boolean;
}

/**
 * A fake dependency: `callDependency` fails while `healthy` is false, logs every call with the breaker's
 * own state (queried when the call starts), and reports its outcome through `withCircuitBreaker` unless
 * `reporting: false`.
 */
export function fakeDependency(client: Client, dependency: string, options: { reporting?: boolean } = {}) {
  const state = { healthy: false, calls: [] as CallRecord[] };
  const call = async (input: CallInput) => {
    const breakerState = await inspectCircuitBreaker(client, dependency).then(
      (i) => i.state,
      () => 'absent' as const,
    );
    const ok = state.healthy;
    state.calls.push({ ...input, breakerState, ok });
    if (!ok) throw new Error(`${dependency} is down`);
    return `job ${input.job} done`;
  };
  const callDependency =
    options.reporting === false ? call : withCircuitBreaker(client, { dependency }, call);
  return { state, activities: { callDependency } };
}
