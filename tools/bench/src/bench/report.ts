// The bench's results files: the JSON as measured, a markdown table of it, and the comparison chart as SVG
// (and PNG when rsvg-convert is installed). `--render` rebuilds the last three from the JSON alone.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { progress, round, writeResult } from '../common.js';
import { barChartSvg } from '../chart.js';
import type { CompareRow, Summary } from './analysis.js';
import { keyRatios } from './key-ratios.js';
import type { BenchParameters } from './options.js';

/** A results file: bench-<mode>.json. */
export interface Report {
  suite: string;
  mode: string;
  startedAt: string;
  finishedAt: string;
  machineAtStart: Record<string, unknown>;
  machineAtEnd: Record<string, unknown>;
  notes: string[];
  results: Record<string, unknown>;
}

/** How the numbers were taken, listed at the top of every report. */
export function benchNotes(params: BenchParameters): string[] {
  return [
    'All timestamps: the driver process clock (performance.timeOrigin + performance.now()), taken by the protected store when a critical section enters/leaves, or around client calls. Never workflow time.',
    'Temporal: dev servers (temporal CLI start-dev) on this machine, in memory ("temporal", latency-tuned dynamic config, see Servers), on a SQLite file ("temporal-sqlite", hold 0 only), in memory with the server defaults ("temporal-default-server", hold 0 only), and the plain signal mutex of the article ported as written ("article-mutex", tools/bench/src/article-mutex.ts, tuned server, hold 0 only) as the baseline; one worker process each; mutex workflows from @temporal-patterns/mutex. Redis and PostgreSQL on loopback on the same machine.',
    `Redis lock: SET key value NX PX 30000 plus INCR of a fencing counter in one Lua script; waiters retry every ${params.redisRetryMs} ms ±50%; release = compare-and-delete in Lua.`,
    'PostgreSQL lock: session pg_advisory_lock (blocks in the server lock queue) + nextval of a sequence as fencing token; release pg_advisory_unlock.',
    'Temporal contention: workflows running withLock around an activity that enters the store; handoff = next section entered - previous section left (includes activity completion, release signal, mutex task, grant signal, requester task, activity dispatch).',
    'The machine is shared: the load averages above say how busy it was during the run.',
  ];
}

/** Writes the JSON, markdown, SVG and (when rsvg-convert is installed) PNG of a report. */
export function writeReport(report: Report, name: string): void {
  writeResult(`${name}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeResult(`${name}.md`, markdown(report, name));
  const compareRows = report.results.compare as CompareRow[] | undefined;
  if (compareRows) {
    const svg = writeResult(`${name}.svg`, barChartSvg(compareRows, report.mode));
    const png = spawnSync('rsvg-convert', ['-o', path.join(path.dirname(svg), `${name}.png`), svg]);
    if (png.status !== 0) progress('rsvg-convert not available: SVG chart only');
  }
  progress(`results in tools/bench/results/${name}.*`);
}

/** Re-renders the table and chart of a results file (e.g. after a change to the chart). */
export function renderReport(file: string): void {
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  writeReport(report, path.basename(file, '.json'));
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(x) : '–';
}

/** A section that shows a part's results as JSON. */
function jsonSection(title: string, value: unknown): string[] {
  return [`## ${title}`, '', '```json', JSON.stringify(value, null, 2), '```', ''];
}

interface HopRow {
  handoffs: number;
  p50ByHop: Record<string, number>;
  total: { p50: number; p95: number };
}

/** Our configurations in the table against the article's mutex, with their column titles. */
const OURS_VS_ARTICLE: Array<[system: string, title: string]> = [
  ['temporal', 'ours, defaults (workflow releases)'],
  ['temporal-release-in-activity', 'ours, activity releases'],
  ['temporal-fast', 'ours, activity releases + grants by local activity'],
  ['temporal-lock-in-activity', 'ours, the activity takes the lock (MutexClient.withLock)'],
];

/** Ours against the article's mutex at hold 0 (#15's yardstick), and each handoff against the signal relay. */
function versusArticle(cmp: CompareRow[], floor?: { signalRelayMs?: { p50: number } }): string[] {
  const at = (system: string, contenders: number) =>
    cmp.find((x) => x.system === system && x.contenders === contenders && x.holdMs === 0);
  const contenders = [...new Set(cmp.filter((x) => x.system === 'article-mutex').map((x) => x.contenders))];
  if (contenders.length === 0) return [];
  const relay = floor?.signalRelayMs?.p50;
  const ours = OURS_VS_ARTICLE.filter(([system]) => cmp.some((x) => x.system === system));
  const cell = (x: CompareRow | undefined, article: CompareRow | undefined) =>
    x && article
      ? `${x.grantsPerSecond}, ${fmt(x.handoffMs.p50)} (×${fmt(round(x.grantsPerSecond / article.grantsPerSecond, 2))}${relay ? `; ${fmt(round(x.handoffMs.p50 / relay, 2))}` : ''})`
      : '–';
  const out = [
    `## Ours against the article's mutex (tuned server, hold 0${relay ? `; signal relay p50 ${relay} ms in this run` : ''})`,
    '',
    `Each cell: grants/s, handoff p50 ms (× the article's grants/s${relay ? '; handoff ÷ signal relay' : ''}).`,
    '',
    `| contenders | article: grants/s, handoff p50 ms | ${ours.map(([, title]) => title).join(' | ')} |`,
    `|---|---|${ours.map(() => '---').join('|')}|`,
  ];
  for (const n of contenders) {
    const article = at('article-mutex', n);
    out.push(
      `| ${n} | ${article ? `${article.grantsPerSecond}, ${fmt(article.handoffMs.p50)}` : '–'} | ${ours.map(([system]) => cell(at(system, n), article)).join(' | ')} |`,
    );
  }
  out.push('');
  return out;
}

/** One column per design and requester count, one row per hop (p50 ms, history timestamps). */
function hopTable(hops: string[], rows: Record<string, HopRow>): string[] {
  const keys = Object.keys(rows);
  const out = [
    '## One handoff, hop by hop (p50 ms, server timestamps from history)',
    '',
    `| hop | ${keys.join(' | ')} |`,
    `|---|${keys.map(() => '---').join('|')}|`,
  ];
  for (const hop of hops)
    out.push(`| ${hop} | ${keys.map((k) => fmt(rows[k]?.p50ByHop[hop] ?? NaN)).join(' | ')} |`);
  out.push(
    `| **section end → next activity starts, p50 / p95** | ${keys.map((k) => `${fmt(rows[k]?.total.p50 ?? NaN)} / ${fmt(rows[k]?.total.p95 ?? NaN)}`).join(' | ')} |`,
  );
  out.push(`| handoffs measured | ${keys.map((k) => rows[k]?.handoffs ?? 0).join(' | ')} |`, '');
  return out;
}

/** The markdown table of a report; `name` is the file name of its chart. */
function markdown(report: Report, name: string): string {
  const r = report.results;
  const lines: string[] = [];
  const m = report.machineAtStart;
  lines.push(`# Benchmarks (${report.mode}) — ${report.startedAt} to ${report.finishedAt}`, '');
  lines.push(
    `Machine: ${String(m.cpu)}, ${String(m.cores)} cores, ${String(m.memoryGiB)} GiB, ${String(m.os)}, Node ${String(m.node)}.`,
  );
  lines.push(
    `Load average (1/5/15 min) at start ${JSON.stringify(m.loadAverage1m5m15m)}, at end ${JSON.stringify(report.machineAtEnd.loadAverage1m5m15m)} — shared machine.`,
    '',
  );
  for (const n of report.notes) lines.push(`- ${n}`);
  lines.push('');
  const keyLines = keyRatios(r);
  if (keyLines.length) lines.push('## Key ratios', '', ...keyLines.map((l) => `- ${l}`), '');
  const servers = r.servers as Record<string, { dynamicConfig: Record<string, unknown> }> | undefined;
  if (servers) {
    lines.push('## Servers', '', `Temporal CLI: ${String(r.temporalVersion ?? 'unknown')}.`, '');
    for (const [label, server] of Object.entries(servers))
      lines.push(`- ${label}: dynamic config \`${JSON.stringify(server.dynamicConfig)}\``);
    lines.push('');
  }
  type Floor = { updateRoundTripMs: Summary; signalRelayMs: Summary };
  const floors: Array<[string, Floor | undefined]> = [
    ['', r.floor as Floor | undefined],
    [' (server defaults)', r.floorDefaultServer as Floor | undefined],
  ];
  if (floors[0]?.[1]) {
    lines.push('## Floor', '', '| measure | p50 ms | p95 ms | p99 ms | n |', '|---|---|---|---|---|');
    for (const [label, floor] of floors) {
      if (!floor) continue;
      const row = (what: string, x: Summary) =>
        `| ${what}${label} | ${x.p50} | ${x.p95} | ${x.p99} | ${x.n} |`;
      lines.push(row('update round trip (one workflow task)', floor.updateRoundTripMs));
      lines.push(
        row('signal relay, activity → signal → other workflow → signal back → activity', floor.signalRelayMs),
      );
    }
    lines.push('');
  }
  const unc = r.uncontendedAcquireReleaseMs as Record<string, Summary> | undefined;
  if (unc) {
    lines.push(
      '## Uncontended acquire + release from a client',
      '',
      '| system | p50 ms | p95 ms | p99 ms | n | p50 ratio to temporal |',
      '|---|---|---|---|---|---|',
    );
    const t = unc.temporal?.p50 ?? NaN;
    for (const [k, v] of Object.entries(unc))
      lines.push(
        `| ${k} | ${v.p50} | ${v.p95} | ${v.p99} | ${v.n} | ${k.startsWith('temporal') ? '–' : `temporal is ×${fmt(round(t / v.p50, 0))} slower`} |`,
      );
    lines.push('');
  }
  const cmp = r.compare as CompareRow[] | undefined;
  if (cmp) {
    lines.push(
      '## Contention on one resource',
      '',
      'Grants per second and handoff latency (previous holder leaves → next holder enters), side by side.',
      '',
    );
    lines.push(
      '| hold ms | contenders | temporal grants/s | redis grants/s | postgres grants/s | temporal handoff p50/p95/p99 ms | redis handoff p50/p95/p99 ms | postgres handoff p50/p95/p99 ms | handoff p50 ratio temporal : redis : postgres (redis = 1) | longest wait ms (t/r/p) | FIFO violations (t/r/p) | temporal on SQLite: grants/s, handoff p50 ms | temporal on a server with default config: grants/s, handoff p50 ms | the article mutex: grants/s, handoff p50 ms | ours ÷ article: grants/s, handoff p50 | fencing violations |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    const key = (row: CompareRow) => `${row.holdMs}/${row.contenders}`;
    const groups = new Map<string, CompareRow[]>();
    for (const row of cmp) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
    for (const rows of groups.values()) {
      const by = (s: string) => rows.find((x) => x.system === s);
      const t = by('temporal');
      const re = by('redis');
      const pg = by('postgres');
      const vsArticle = (ours?: CompareRow, article?: CompareRow) =>
        ours && article
          ? `${fmt(round(ours.grantsPerSecond / article.grantsPerSecond, 2))}, ${fmt(round(ours.handoffMs.p50 / article.handoffMs.p50, 2))}`
          : '–';
      const pair = (x?: CompareRow) => (x ? `${x.grantsPerSecond}, ${x.handoffMs.p50}` : '–');
      const h = (x?: CompareRow) =>
        x ? `${fmt(x.handoffMs.p50)} / ${fmt(x.handoffMs.p95)} / ${fmt(x.handoffMs.p99)}` : '–';
      const ratio =
        t && re && pg
          ? `${fmt(round(t.handoffMs.p50 / re.handoffMs.p50, 0))} : 1 : ${fmt(round(pg.handoffMs.p50 / re.handoffMs.p50, 1))}`
          : '–';
      lines.push(
        `| ${rows[0]?.holdMs} | ${rows[0]?.contenders} | ${t?.grantsPerSecond ?? '–'} | ${re?.grantsPerSecond ?? '–'} | ${pg?.grantsPerSecond ?? '–'} | ${h(t)} | ${h(re)} | ${h(pg)} | ${ratio} | ${t?.longestWaitMs ?? '–'} / ${re?.longestWaitMs ?? '–'} / ${pg?.longestWaitMs ?? '–'} | ${t?.fifoViolations ?? '–'} / ${re?.fifoViolations ?? '–'} / ${pg?.fifoViolations ?? '–'} | ${pair(by('temporal-sqlite'))} | ${pair(by('temporal-default-server'))} | ${pair(by('article-mutex'))} | ${vsArticle(t, by('article-mutex'))} | ${rows.reduce((a, x) => a + x.fencingViolations, 0)} |`,
      );
    }
    lines.push('', `![grants per second and handoff latency](${name}.svg)`, '');
    lines.push(...versusArticle(cmp, r.floor as { signalRelayMs?: { p50: number } } | undefined));
  }
  const multi = r.independentResources as CompareRow[] | undefined;
  if (multi) {
    lines.push(
      '## Independent resources (4 contenders each, hold 0)',
      '',
      '| resources | temporal grants/s | redis grants/s | postgres grants/s |',
      '|---|---|---|---|',
    );
    for (const n of [...new Set(multi.map((x) => x.resources))]) {
      const g = (s: string) => multi.find((x) => x.resources === n && x.system === s)?.grantsPerSecond ?? '–';
      lines.push(`| ${n} | ${g('temporal')} | ${g('redis')} | ${g('postgres')} |`);
    }
    lines.push('');
  }
  if (r.historyEventsPerCycle)
    lines.push(...jsonSection('History events per lock cycle', r.historyEventsPerCycle));
  const hops = r.handoffHops as { hops: string[]; byDesignAndRequesters: Record<string, HopRow> } | undefined;
  if (hops) lines.push(...hopTable(hops.hops, hops.byDesignAndRequesters));
  if (r.eventsPerUnit)
    lines.push(
      ...jsonSection(
        'History events per unit of work (pipeline item, fan-out child, breaker report)',
        r.eventsPerUnit,
      ),
    );
  if (r.tenThousandCycles)
    lines.push(...jsonSection('Many cycles on one mutex (continue-as-new)', r.tenThousandCycles));
  const mem = r.blockedMemory as
    { samples: Array<{ label: string; queued: number; rssMiB: number; heapUsedMiB: number }> } | undefined;
  if (mem) {
    lines.push(
      '## Blocked workflows vs worker memory (maxCachedWorkflows 100)',
      '',
      '| point | queued at the mutex | worker RSS MiB | heap used MiB |',
      '|---|---|---|---|',
    );
    for (const s of mem.samples) lines.push(`| ${s.label} | ${s.queued} | ${s.rssMiB} | ${s.heapUsedMiB} |`);
    lines.push('', '```json', JSON.stringify({ ...mem, samples: undefined }, null, 2), '```', '');
  }
  if (r.fanout) lines.push(...jsonSection('Fan-out wall time', r.fanout));
  return `${lines.join('\n')}\n`;
}
