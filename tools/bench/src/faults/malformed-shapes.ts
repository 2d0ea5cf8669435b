// Malformed payloads: garbage of many shapes, and near-misses of a valid payload, kept only when the
// pattern's own validator rejects them.

/** A signal of a pattern, with the pattern's own validator, and one payload it accepts. */
export interface TargetSignal {
  signal: { name: string; parse(raw: unknown): unknown };
  valid: Record<string, unknown>;
}

/** Garbage of many shapes; `valid` is mutated one field at a time so near-misses are covered too. */
export function malformedShapes(n: number, valid: Record<string, unknown>): unknown[][] {
  const shapes: unknown[][] = [
    [],
    [null],
    [0],
    [-1],
    [''],
    ['x'.repeat(5000)],
    [true],
    [[]],
    [[1, 2, 3]],
    [{}],
    [{ a: { b: { c: { d: {} } } } }],
    [{ __proto__: { polluted: true } }],
    [{ constructor: 'x', toString: 1 }],
    [JSON.stringify(valid)],
  ];
  const keys = Object.keys(valid);
  // Every value here is invalid for every field of the targets (42 would be a valid lease).
  const wrong = [null, '', [], {}, -5, false];
  for (const key of keys) {
    for (const w of wrong) {
      const copy = { ...valid, [key]: w };
      if (JSON.stringify(copy) !== JSON.stringify(valid)) shapes.push([copy]);
    }
    const { [key]: _, ...missing } = valid;
    shapes.push([missing]);
  }
  return Array.from({ length: n }, (_, i) => shapes[i % shapes.length] as unknown[]);
}

/** Whether the signal's validator rejects these arguments, after a round trip through JSON. */
export function rejectedBy(signal: TargetSignal['signal'], args: unknown[]): boolean {
  try {
    signal.parse(JSON.parse(JSON.stringify(args[0] ?? null)) as unknown);
    return false;
  } catch {
    return true;
  }
}
