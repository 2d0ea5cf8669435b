// Helpers for this package's tests.
import { setTimeout as sleep } from 'node:timers/promises';

/** `n` items `item-<i>` with refs `r<i>`. */
export const items = (n: number, ref: (i: number) => string = (i) => `r${i}`) =>
  Array.from({ length: n }, (_, i) => ({ id: `item-${i}`, ref: ref(i) }));

/** Deterministic shuffle so a failure can be reproduced. */
export function shuffled<T>(values: T[], seed: number): T[] {
  const out = [...values];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Polls `check` (errors count as false) until it holds, or throws after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
