import type { Duration } from '@temporalio/common';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * Milliseconds of a Temporal `Duration` (a number of ms, or `'30s'`, `'5 minutes'`, `'1.5h'`). The SDK's
 * parser is not on its public entry, and deep imports break workflow bundling, so we keep a small one.
 * Throws `TypeError` on anything else.
 */
export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw new TypeError(`Invalid duration: ${duration}`);
    return duration;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(duration));
  const unit = match ? UNIT_MS[(match[2] || 'ms').toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new TypeError(`Invalid duration: "${String(duration)}"`);
  return Math.round(Number(match[1]) * unit);
}
