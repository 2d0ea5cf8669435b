// From the protected store's record of critical sections to the numbers the bench reports: grants per
// second, handoff latency, the longest wait and FIFO order.
import { round, summarize } from '../common.js';
import type { Ask } from '../lock-loops.js';
import type { Section } from '../store.js';

export type Summary = ReturnType<typeof summarize>;

/** One measurement window of one lock system, as written to the `compare` and `independentResources` results. */
export interface CompareRow {
  system: string;
  contenders: number;
  resources: number;
  holdMs: number;
  grants: number;
  grantsPerSecond: number;
  handoffMs: Summary;
  longestWaitMs: number;
  fifoViolations: number;
  fencingViolations: number;
}

/** Handoffs, throughput and fairness from the store's sections inside the measurement window. */
export function analyse(sections: Section[], asks: Ask[], from: number, to: number, system: string) {
  const inside = sections.filter((s) => s.enteredAt >= from && s.leftAt !== undefined && s.leftAt <= to);
  const handoffs: number[] = [];
  for (let i = 1; i < inside.length; i++) {
    const prev = inside[i - 1] as Section;
    handoffs.push((inside[i] as Section).enteredAt - (prev.leftAt as number));
  }
  // When did each section's holder ask? Redis/PostgreSQL loops record it; a workflow asks again right
  // after leaving its previous section (its start for the first).
  const askedAt = new Map<number, number>();
  if (system.startsWith('temporal') || system === 'article-mutex') {
    const lastLeft = new Map<string, number>();
    for (const a of asks) lastLeft.set(a.holder, a.askedAt);
    for (const s of sections) {
      const asked = lastLeft.get(s.holder);
      if (asked !== undefined) askedAt.set(s.fencingToken, asked);
      lastLeft.set(s.holder, s.leftAt ?? s.enteredAt);
    }
  } else {
    for (const a of asks) askedAt.set(a.fencingToken, a.askedAt);
  }
  const waits = inside.map((s) => s.enteredAt - (askedAt.get(s.fencingToken) ?? s.enteredAt));
  // FIFO violation: a section granted before another whose holder had asked earlier (and was still waiting).
  let fifoViolations = 0;
  for (let i = 0; i < inside.length; i++) {
    const a = inside[i] as Section;
    const aAsk = askedAt.get(a.fencingToken);
    if (aAsk === undefined) continue;
    for (let j = i + 1; j < inside.length; j++) {
      const b = inside[j] as Section;
      const bAsk = askedAt.get(b.fencingToken);
      if (bAsk !== undefined && bAsk < aAsk) {
        fifoViolations++;
        break;
      }
    }
  }
  const span =
    inside.length > 1 ? ((inside.at(-1)?.leftAt as number) - (inside[0] as Section).enteredAt) / 1000 : NaN;
  return {
    grants: inside.length,
    grantsPerSecond: round(inside.length / span, 2),
    handoffMs: summarize(handoffs),
    longestWaitMs: round(Math.max(0, ...waits)),
    fifoViolations,
  };
}

/** Approximate for several resources: the median of per-resource percentiles. */
export function mergeSummaries(s: Summary[]): Summary {
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return {
    n: s.reduce((a, x) => a + x.n, 0),
    p50: med(s.map((x) => x.p50)),
    p95: med(s.map((x) => x.p95)),
    p99: med(s.map((x) => x.p99)),
    max: Math.max(...s.map((x) => x.max)),
  };
}
