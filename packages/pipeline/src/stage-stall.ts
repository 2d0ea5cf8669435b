import type { EdgeInbox, EdgeOutbox } from './edges.js';

/** A wait of a stage on its edges that went on too long: the run fails as stalled. */
export interface Stall {
  /** What the stage waited for: `item 3 from "A"`, `credit from "C" (item "x" waiting)`. */
  detail: string;
  waitedMs: number;
}

/** How long a stage waits on its edges before it reports a stall. */
export interface StallLimits {
  /** For a missing sequence number on an input. */
  gapTimeoutMs: number;
  /** For credit from a downstream stage while items are pending. */
  creditTimeoutMs: number;
}

/**
 * Checks a stage's edges at workflow time `now`: the input missing a number for the longest time past
 * `gapTimeoutMs` (checked first), or the output waiting for credit for the longest time past
 * `creditTimeoutMs`. Without a stall, `deadline` is when the first of them would expire, if any waits.
 */
export function checkStall(
  inbox: EdgeInbox,
  outboxes: readonly EdgeOutbox[],
  now: number,
  limits: StallLimits,
): { stall: Stall } | { deadline: number | undefined } {
  const gap = inbox.oldestGap();
  if (gap && gap.since + limits.gapTimeoutMs <= now) {
    return { stall: { detail: `item ${gap.expectedSeq} from "${gap.channel}"`, waitedMs: now - gap.since } };
  }
  const blocked = outboxes
    .map((o) => o.state)
    .filter((s) => s.blockedSince !== undefined && s.pending.length > 0)
    .sort((a, b) => a.blockedSince! - b.blockedSince!)[0];
  const blockedSince = blocked?.blockedSince;
  if (blocked && blockedSince !== undefined && blockedSince + limits.creditTimeoutMs <= now) {
    const detail = `credit from "${blocked.target}" (item "${blocked.pending[0]!.id}" waiting)`;
    return { stall: { detail, waitedMs: now - blockedSince } };
  }
  const deadlines: number[] = [];
  if (gap) deadlines.push(gap.since + limits.gapTimeoutMs);
  if (blockedSince !== undefined) deadlines.push(blockedSince + limits.creditTimeoutMs);
  return { deadline: deadlines.length > 0 ? Math.min(...deadlines) : undefined };
}
