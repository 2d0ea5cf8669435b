import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

/** Milliseconds of a Temporal `Duration` (`'30s'`, `'5 minutes'` or a number of ms). */
export function toMs(duration: Duration): number {
  return msToNumber(duration);
}
