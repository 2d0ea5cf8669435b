import type { Duration } from '@temporalio/common';

const UNITS: ReadonlyArray<[RegExp, number]> = [
  [/^(ms|msecs?|milliseconds?)$/, 1],
  [/^(s|secs?|seconds?)$/, 1_000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
  [/^(d|days?)$/, 86_400_000],
];

/**
 * Milliseconds of a Temporal `Duration` (`250`, `'30s'`, `'5 minutes'`). The SDK's parser is not on its
 * public entry, and a deep import would break workflow bundling.
 */
export function toMs(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw new TypeError(`Invalid duration: ${duration}`);
    return duration;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(duration));
  const unit = match && (match[2] ? UNITS.find(([re]) => re.test(match[2]!.toLowerCase()))?.[1] : 1);
  if (!match || unit === undefined || unit === null)
    throw new TypeError(`Invalid duration: "${String(duration)}"`);
  return Math.round(Number(match[1]) * unit);
}
