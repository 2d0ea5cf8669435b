/**
 * Building blocks for payload validators: every pattern checks what arrives on the wire with these, so
 * they agree on what a record, a string or an id is, and their messages read the same way. Each throws
 * a plain `Error` naming the field; `setTypedHandler` turns it into a logged, dropped payload.
 */

/** A field of a parsed record. */
export type PayloadRecord = Record<string, unknown>;

/** Length limits for string fields. */
export interface StringLimits {
  /** Longest accepted value, in characters. Defaults to no limit. */
  maxLength?: number;
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` has the shape of a workflow run id (a UUID). */
export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value);
}

/** `raw` as a record; arrays and `null` are refused. `what` names it in the error (`<what> must be an object`). */
export function parseRecord(raw: unknown, what?: string): PayloadRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(what === undefined ? 'expected an object' : `${what} must be an object`);
  }
  return raw as PayloadRecord;
}

/** `obj[key]` as a non-empty string of at most `maxLength` characters. */
export function requiredString(obj: PayloadRecord, key: string, limits: StringLimits = {}): string {
  const value = obj[key];
  const { maxLength } = limits;
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    (maxLength !== undefined && value.length > maxLength)
  ) {
    const limit = maxLength === undefined ? '' : ` of at most ${maxLength} characters`;
    throw new Error(`${key} must be a non-empty string${limit}`);
  }
  return value;
}

/** `obj[key]` as a string (empty allowed) of at most `maxLength` characters, or `undefined` when absent or null. */
export function optionalString(
  obj: PayloadRecord,
  key: string,
  limits: StringLimits = {},
): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  const { maxLength } = limits;
  if (typeof value !== 'string' || (maxLength !== undefined && value.length > maxLength)) {
    const limit = maxLength === undefined ? '' : ` of at most ${maxLength} characters`;
    throw new Error(`${key} must be a string${limit}`);
  }
  return value;
}

/** `obj[key]` as a workflow run id (a UUID). */
export function requiredRunId(obj: PayloadRecord, key: string): string {
  const value = obj[key];
  if (!isRunId(value)) throw new Error(`${key} must be a workflow run id (a UUID)`);
  return value;
}

/** `obj[key]` as a finite number greater than zero. */
export function positiveNumber(obj: PayloadRecord, key: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${key} must be a positive number`);
  }
  return value;
}

/** `obj[key]` as a finite number, or `undefined` when absent. */
export function optionalNumber(obj: PayloadRecord, key: string): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${key} must be a number`);
  return value;
}

/** `obj[key]` as an integer of at least `min`. */
export function integerAtLeast(obj: PayloadRecord, key: string, min: number): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${key} must be an integer ≥ ${min}`);
  }
  return value;
}

/** `obj[key]` as one of `values` (`<key> must be "a" or "b"`). */
export function oneOf<const T extends string>(obj: PayloadRecord, key: string, values: readonly T[]): T {
  const value = obj[key];
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    const quoted = values.map((v) => `"${v}"`);
    const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0];
    throw new Error(`${key} must be ${list}`);
  }
  return value as T;
}
