// Contention side by side: every lock system on one resource for each hold time and contender count,
// then on independent resources (4 contenders each, hold 0).
import { randomUUID } from 'node:crypto';
import { progress, round } from '../../common.js';
import type { Ask, LockSystem } from '../../lock-loops.js';
import type { ProtectedStore } from '../../store.js';
import { analyse, mergeSummaries, type CompareRow } from '../analysis.js';
import { CONTENTION_SYSTEMS, type BenchParameters } from '../options.js';
import type { BenchPart } from '../part.js';

/** Runs one measurement window of `system` on `resources` resources and analyses its sections. */
async function runWindow(
  system: LockSystem,
  store: ProtectedStore,
  params: BenchParameters,
  resources: number,
  contenders: number,
  holdMs: number,
): Promise<CompareRow> {
  const windowMs = params.windowMs[system.name as keyof BenchParameters['windowMs']];
  const base = `cmp-${system.name}-${contenders}x${holdMs}-${randomUUID().slice(0, 6)}`;
  const ids = Array.from({ length: resources }, (_, r) => `${base}-r${r}`);
  const asks = new Map(ids.map((id) => [id, [] as Ask[]]));
  // Let Temporal contenders queue before the window opens (their first requests go out after they start).
  const warmupMs =
    system.name.startsWith('temporal') || system.name === 'article-mutex'
      ? Math.min(3000, 500 + contenders * 40)
      : 200;
  const windows = await Promise.all(
    ids.map((id) => system.contend(id, contenders, holdMs, { warmupMs, windowMs }, asks.get(id) as Ask[])),
  );
  const perResource = ids.map((id, i) => {
    const { from, until } = windows[i] as { from: number; until: number };
    return analyse(store.sections(id), asks.get(id) as Ask[], from, until, system.name);
  });
  const violations = store.violations.filter((v) => ids.includes(v.resourceId)).length;
  const handoffs = perResource.map((r) => r.handoffMs);
  return {
    system: system.name,
    contenders,
    resources,
    holdMs,
    grants: perResource.reduce((a, r) => a + r.grants, 0),
    grantsPerSecond: round(
      perResource.reduce((a, r) => a + (Number.isFinite(r.grantsPerSecond) ? r.grantsPerSecond : 0), 0),
      2,
    ),
    handoffMs: resources === 1 ? (handoffs[0] as CompareRow['handoffMs']) : mergeSummaries(handoffs),
    longestWaitMs: Math.max(...perResource.map((r) => r.longestWaitMs)),
    fifoViolations: perResource.reduce((a, r) => a + r.fifoViolations, 0),
    fencingViolations: violations,
  };
}

/** Measured at hold 0 only, and not on independent resources (time on a shared machine): all but these. */
const EVERY_HOLD = new Set(['temporal', 'redis', 'postgres']);
const HOLD_ZERO_ONLY = new Set<string>(CONTENTION_SYSTEMS.filter((name) => !EVERY_HOLD.has(name)));

export const comparePart: BenchPart = {
  name: 'compare',
  async run({ systems, store, params }) {
    const rows: CompareRow[] = [];
    for (const holdMs of params.holds) {
      for (const contenders of params.contenders) {
        for (const system of systems) {
          if (HOLD_ZERO_ONLY.has(system.name) && holdMs !== 0) continue;
          const row = await runWindow(system, store, params, 1, contenders, holdMs);
          rows.push(row);
          progress(
            `contention ${system.name} ${contenders} contenders, hold ${holdMs} ms: ${row.grantsPerSecond} grants/s, handoff p50 ${row.handoffMs.p50} ms p99 ${row.handoffMs.p99} ms, longest wait ${row.longestWaitMs} ms, FIFO violations ${row.fifoViolations}, fencing violations ${row.fencingViolations}`,
          );
        }
      }
    }
    const multi: CompareRow[] = [];
    for (const resources of params.resources) {
      for (const system of systems.filter((x) => !HOLD_ZERO_ONLY.has(x.name))) {
        const row = await runWindow(system, store, params, resources, 4, 0);
        multi.push(row);
        progress(
          `independent resources ${system.name} ×${resources} (4 contenders each): ${row.grantsPerSecond} grants/s`,
        );
      }
    }
    return { compare: rows, independentResources: multi };
  },
};
