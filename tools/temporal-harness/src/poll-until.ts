import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

/** Options for {@link pollUntil}. */
export interface PollUntilOptions {
  /** How long to keep polling before giving up. Defaults to 30 seconds. */
  timeoutMs?: number;
  /** Pause between two probes. Defaults to 100 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout message ("B to hold the lock"). Defaults to "the condition". */
  what?: string;
}

/** Not ready yet: the values a probe returns while the condition does not hold. */
type NotYet = undefined | null | false;

/**
 * Calls `probe` until it returns a truthy value and resolves to that value. A probe that throws counts as
 * "not yet" (a query before the workflow started, a describe before the child exists), so the test waits
 * for the state it asserts on instead of for a sleep that a loaded machine can outlast.
 *
 * Rejects after `timeoutMs` with an Error that names `what` and the last value the probe returned, or
 * carries its last error as `cause`.
 *
 * @example
 * const lease = await pollUntil(() => holder.query(leaseQuery), { what: 'the holder to get the lock' });
 * await pollUntil(async () => (await handle.describe()).status.name !== 'RUNNING', { what: 'the run to close' });
 */
export async function pollUntil<T>(
  probe: () => Promise<T | NotYet> | T | NotYet,
  options: PollUntilOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let last: { value: unknown } | { error: unknown };
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const seen =
        'error' in last
          ? `it last threw ${describeError(last.error)}`
          : `it last returned ${inspect(last.value)}`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}: ${seen}`, {
        cause: 'error' in last ? last.error : undefined,
      });
    }
    await sleep(Math.min(intervalMs, left));
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : inspect(error);
}
