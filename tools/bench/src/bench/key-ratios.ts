// The few numbers a reader choosing between the signal-based mutex, Redis and PostgreSQL should see first.
import { round } from '../common.js';
import type { CompareRow } from './analysis.js';

/** One sentence per headline comparison found in a report's `results`. */
export function keyRatios(r: Record<string, unknown>): string[] {
  const out: string[] = [];
  const unc = r.uncontendedAcquireReleaseMs as Record<string, { p50: number }> | undefined;
  if (unc?.temporal && unc.redis && unc.postgres) {
    out.push(
      `Uncontended acquire + release, p50: temporal ${unc.temporal.p50} ms, redis ${unc.redis.p50} ms, postgres ${unc.postgres.p50} ms — the signal-based mutex takes ×${round(unc.temporal.p50 / unc.redis.p50, 0)} Redis's time and ×${round(unc.temporal.p50 / unc.postgres.p50, 0)} PostgreSQL's.`,
    );
  }
  const cmp = r.compare as CompareRow[] | undefined;
  const floor = r.floor as { signalRelayMs: { p50: number }; updateRoundTripMs: { p50: number } } | undefined;
  const has = (system: string) => cmp?.some((x) => x.system === system) ?? false;
  // A run narrowed by --systems may lack the systems these sentences compare: say nothing of them.
  const compared = cmp !== undefined && has('temporal') && has('redis') && has('postgres');
  if (cmp && compared) {
    const t = cmp.filter((x) => x.system === 'temporal');
    const g = t.map((x) => x.grantsPerSecond);
    const h = t.map((x) => x.handoffMs.p50);
    out.push(
      `One contended resource: temporal ${Math.min(...g)}–${Math.max(...g)} grants/s whatever the contenders (handoff p50 ${Math.min(...h)}–${Math.max(...h)} ms); Redis and PostgreSQL ${Math.round(Math.min(...cmp.filter((x) => x.system !== 'temporal' && !x.system.startsWith('temporal')).map((x) => x.grantsPerSecond)))}–${Math.round(Math.max(...cmp.filter((x) => !x.system.startsWith('temporal')).map((x) => x.grantsPerSecond)))} grants/s (handoff p50 around 1 ms). With a 100 ms hold Redis is bound by the hold (${cmp
        .filter((x) => x.system === 'redis' && x.holdMs === 100)
        .map((x) => x.grantsPerSecond)
        .join('/')} grants/s for 1/4/16/64 contenders), the signal-based mutex by its handoff (${t
        .filter((x) => x.holdMs === 100)
        .map((x) => x.grantsPerSecond)
        .join('/')}).`,
    );
  }
  if (cmp && floor)
    out.push(
      `Floor: update round trip p50 ${floor.updateRoundTripMs.p50} ms; workflow-to-workflow signal relay p50 ${floor.signalRelayMs.p50} ms, the same order as the mutex handoff — the handoff costs about one relay.`,
    );
  if (cmp && compared) {
    const fifo = (s: string) =>
      cmp.filter((x) => x.system === s).reduce((a, x) => a + (x.fifoViolations ?? 0), 0);
    out.push(
      `Fairness: FIFO violations over all windows — temporal ${fifo('temporal')}, redis ${fifo('redis')}, postgres ${fifo('postgres')}. Fencing violations: ${cmp.reduce((a, x) => a + x.fencingViolations, 0)}.`,
    );
  }
  const multi = r.independentResources as CompareRow[] | undefined;
  if (multi?.some((x) => x.system === 'temporal')) {
    const t = multi.filter((x) => x.system === 'temporal');
    out.push(
      `Independent resources scale the signal-based mutex: ${t.map((x) => `${x.resources} → ${x.grantsPerSecond}`).join(', ')} grants/s.`,
    );
  }
  return out;
}
