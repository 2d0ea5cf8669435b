// npm run bench:server-tuning: how the dev server's queue polling sets the pace. For each candidate value of
// history.transferProcessorMaxPollRPS (the one history shard's transfer queue: signals between workflows,
// workflow and activity task dispatch), it starts a dev server, measures the floor (update round trip,
// workflow-to-workflow signal relay) and the server's CPU while idle and during the floor, and writes
// tools/bench/results/server-tuning.{json,md}. The harness's tuned value is chosen from these figures.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bundleWorkflows, machine, progress, round, sleep, writeResult } from './common.js';
import { explainFailure, parseCommandLine, usageError } from './command-line.js';
import { floorPart } from './bench/parts/floor.js';
import { ProtectedStore } from './store.js';
import { startTemporalStack } from './temporal-stack.js';

const USAGE = `Usage: npm run bench:server-tuning -- [--values=20,100,...] [--rounds=N] [--idle-s=N]

Starts one dev server per value of history.transferProcessorMaxPollRPS and measures the floor and the
server's idle CPU; writes tools/bench/results/server-tuning.{json,md}. Run it on an idle machine.

  --values=N,...   candidate values (default 20,100,200,500,1000; 20 is the server's default)
  --rounds=N       round trips per measurement (default 50)
  --idle-s=N       idle window for the CPU reading, in seconds (default 10)
  --help           this text`;

const args = parseCommandLine(USAGE, (a) =>
  parseArgs({
    args: a,
    strict: true,
    options: {
      values: { type: 'string' },
      rounds: { type: 'string' },
      'idle-s': { type: 'string' },
      help: { type: 'boolean' },
    },
  }),
);
const candidates = (args.values ?? '20,100,200,500,1000').split(',').map(Number);
const rounds = Number(args.rounds ?? 50);
const idleS = Number(args['idle-s'] ?? 10);
if (!candidates.every((v) => Number.isInteger(v) && v > 0))
  usageError(USAGE, `--values=${args.values}: expected whole numbers above 0`);
if (!(rounds > 0) || !(idleS > 0)) usageError(USAGE, '--rounds and --idle-s take numbers above 0');

/** CPU seconds (user + system) the process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const store = new ProtectedStore();
  const storeUrl = await store.listen();
  const bundlePath = await bundleWorkflows();
  const rows: Array<Record<string, unknown>> = [];
  const machineAtStart = machine();
  try {
    for (const value of candidates) {
      const dynamicConfig = { 'history.transferProcessorMaxPollRPS': value };
      const stack = await startTemporalStack({
        queuePrefix: `tuning-${value}`,
        bundlePath,
        storeUrl,
        dynamicConfig,
        tuned: false,
      });
      try {
        const pid = stack.server.pid;
        if (pid === undefined) throw new Error('the server was not started by this process: no CPU reading');
        await sleep(2_000);
        const before = cpuSeconds(pid);
        await sleep(idleS * 1_000);
        const idleCpuPercent = round(((cpuSeconds(pid) - before) / idleS) * 100);
        // The floor part reads only these fields of the bench's context.
        const ctx = {
          params: { floorRounds: rounds },
          client: stack.client,
          taskQueue: stack.taskQueue,
          store,
        } as never;
        const busyFrom = { cpu: cpuSeconds(pid), at: performance.now() };
        const { floor } = (await floorPart.run(ctx)) as { floor: Record<string, unknown> };
        const busyS = (performance.now() - busyFrom.at) / 1000;
        const busyCpuPercent = round(((cpuSeconds(pid) - busyFrom.cpu) / busyS) * 100);
        progress(
          `transferProcessorMaxPollRPS=${value}: CPU idle ${idleCpuPercent}%, during the floor ${busyCpuPercent}%`,
        );
        rows.push({ transferProcessorMaxPollRPS: value, idleCpuPercent, busyCpuPercent, ...floor });
      } finally {
        await stack.stop();
      }
    }
  } finally {
    await store.close();
  }
  const report = {
    suite: 'server-tuning',
    startedAt: new Date().toISOString(),
    machineAtStart,
    machineAtEnd: machine(),
    rounds,
    idleS,
    rows,
  };
  writeResult('server-tuning.json', `${JSON.stringify(report, null, 2)}\n`);
  type S = { p50: number; p95: number };
  const table = [
    '| transferProcessorMaxPollRPS | server CPU idle / during the floor (% of a core) | update round trip p50 / p95 ms | signal relay p50 / p95 ms |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => {
      const u = r.updateRoundTripMs as S;
      const s = r.signalRelayMs as S;
      return `| ${String(r.transferProcessorMaxPollRPS)} | ${String(r.idleCpuPercent)} / ${String(r.busyCpuPercent)} | ${u.p50} / ${u.p95} | ${s.p50} / ${s.p95} |`;
    }),
  ];
  const md = [
    '# Dev server tuning',
    '',
    `Measured ${report.startedAt} by \`npm run bench:server-tuning\`: ${rounds} rounds each, idle CPU over ${idleS} s.`,
    `Machine: ${String(machineAtStart.cpu)}, ${String(machineAtStart.cores)} cores; load average at start ${JSON.stringify(machineAtStart.loadAverage1m5m15m)}, at end ${JSON.stringify(report.machineAtEnd.loadAverage1m5m15m)}.`,
    '',
    ...table,
    '',
  ].join('\n');
  writeResult('server-tuning.md', md);
  console.log(md);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(explainFailure(err));
    process.exit(1);
  },
);
