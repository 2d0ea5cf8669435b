/**
 * `values` in a shuffled order that depends only on `seed` (a linear congruential generator), so a test
 * that delivers messages out of order delivers them in the same order on every run.
 */
export function shuffled<T>(values: readonly T[], seed: number): T[] {
  const out = [...values];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
