// npm run bench [-- --quick]: the signal-based mutex measured side by side with Redis and PostgreSQL locks,
// plus the floor, history cost, a 10,000-cycle run, blocked-workflow memory and fan-out wall time.
// Every timestamp comes from this process's clock (the protected store or the client calls), never from
// workflow code. Results go to tools/bench/results/bench-<mode>.{json,md,svg}.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { mutexStateQuery, mutexWorkflow, mutexWorkflowId } from '@temporal-patterns/mutex';
import {
  bundleWorkflows,
  connectClient,
  here,
  KillableServer,
  machine,
  pool,
  progress,
  sleep,
  summarize,
  tmpRoot,
  WorkerProcess,
} from './common.js';
import { postgresSystem, redisSystem, temporalSystem, type Ask, type LockSystem } from './lock-loops.js';
import { startPostgres, startRedis, type Service } from './services.js';
import { now, ProtectedStore, StoreClient, type Section } from './store.js';
import { barChartSvg } from './chart.js';
import { explainFailure, listOf, parseCommandLine, usageError } from './command-line.js';
import {
  blockedWaiter,
  contender,
  cycler,
  echoUpdate,
  signalEcho,
  signalPinger,
  stopSignal,
  stuckHolder,
  updateEcho,
} from './workflows.js';

const PARTS = ['floor', 'uncontended', 'compare', 'history', 'cycles', 'fanout', 'memory'] as const;
const USAGE = `Usage: npm run bench -- [--quick] [--only=PART,...] [--skip=PART,...] [--cycles-budget-s=N]
       npm run bench -- --render=RESULTS.json

Runs the bench on its own dev servers, Redis and PostgreSQL and writes tools/bench/results/bench-<mode>.*
(see tools/bench/README.md).

  --quick               small parameters (a few minutes) instead of the full run (tens of minutes)
  --only=PART,...       run only these parts: ${PARTS.join(', ')}
  --skip=PART,...       leave these parts out
  --cycles-budget-s=N   stop the many-cycles part after N seconds (default 120 quick, 2700 full)
  --render=FILE         redraw the table and chart of a results file, run nothing
  --help                this text`;

const args = parseCommandLine(USAGE, (argv) =>
  parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      skip: { type: 'string' },
      'cycles-budget-s': { type: 'string' },
      render: { type: 'string' },
      help: { type: 'boolean' },
    },
  }),
);
const quick = args.quick ?? false;
const only = listOf(USAGE, '--only', args.only, PARTS);
const skip = listOf(USAGE, '--skip', args.skip, PARTS) ?? [];
const cyclesBudgetS =
  args['cycles-budget-s'] === undefined ? (quick ? 120 : 2700) : Number(args['cycles-budget-s']);
if (!(cyclesBudgetS > 0))
  usageError(USAGE, `--cycles-budget-s=${args['cycles-budget-s']}: expected a number of seconds above 0`);
if (args.render !== undefined && !existsSync(args.render))
  usageError(USAGE, `--render=${args.render}: no such file`);
const mode = quick ? 'quick' : 'full';
const P = quick
  ? {
      floorRounds: 10,
      uncontended: 10,
      uncontendedOthers: 200,
      contenders: [1, 4],
      holds: [0, 10],
      windowMs: { temporal: 4000, 'temporal-sqlite': 4000, redis: 1500, postgres: 1500 },
      resources: [1, 4],
      cycles10k: { cyclers: 2, perCycler: 100, perRun: 40, mutexMaxEvents: 300 },
      blocked: 200,
      fanout: 50,
      redisRetryMs: 5,
    }
  : {
      floorRounds: 50,
      uncontended: 100,
      uncontendedOthers: 2000,
      contenders: [1, 4, 16, 64],
      holds: [0, 10, 100],
      windowMs: { temporal: 15_000, 'temporal-sqlite': 10_000, redis: 4000, postgres: 4000 },
      resources: [1, 4, 16],
      cycles10k: { cyclers: 10, perCycler: 1000, perRun: 100, mutexMaxEvents: undefined },
      blocked: 5000,
      fanout: 1000,
      redisRetryMs: 5,
    };
const want = (part: (typeof PARTS)[number]): boolean =>
  (!only || only.includes(part)) && !skip.includes(part);

const results: Record<string, unknown> = {};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** Handoffs, throughput and fairness from the store's sections inside the measurement window. */
function analyse(sections: Section[], asks: Ask[], from: number, to: number, system: string) {
  const inside = sections.filter((s) => s.enteredAt >= from && s.leftAt !== undefined && s.leftAt <= to);
  const handoffs: number[] = [];
  for (let i = 1; i < inside.length; i++) {
    const prev = inside[i - 1] as Section;
    handoffs.push((inside[i] as Section).enteredAt - (prev.leftAt as number));
  }
  // When did each section's holder ask? Redis/PostgreSQL loops record it; a workflow asks again right
  // after leaving its previous section (its start for the first).
  const askedAt = new Map<number, number>();
  if (system.startsWith('temporal')) {
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

/** Writes the markdown, SVG and (when rsvg-convert is installed) PNG of a report. */
function writeReport(report: Report, name: string): void {
  const dir = path.join(here, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, `${name}.md`), markdown(report, name));
  const compareRows = report.results.compare as CompareRow[] | undefined;
  if (compareRows) {
    writeFileSync(path.join(dir, `${name}.svg`), barChartSvg(compareRows, report.mode));
    const png = spawnSync('rsvg-convert', [
      '-o',
      path.join(dir, `${name}.png`),
      path.join(dir, `${name}.svg`),
    ]);
    if (png.status !== 0) progress('rsvg-convert not available: SVG chart only');
  }
  progress(`results in tools/bench/results/${name}.*`);
}

interface Report {
  suite: string;
  mode: string;
  startedAt: string;
  finishedAt: string;
  machineAtStart: Record<string, unknown>;
  machineAtEnd: Record<string, unknown>;
  notes: string[];
  results: Record<string, unknown>;
}

async function main(): Promise<void> {
  const render = args.render;
  if (render) {
    // Re-renders the table and chart of a results file (e.g. after a change to the chart).
    const report = JSON.parse(readFileSync(render, 'utf8')) as Report;
    writeReport(report, path.basename(render, '.json'));
    return;
  }
  const startedAt = new Date().toISOString();
  progress(`bench (${mode})${only ? ` parts ${only.join(',')}` : ''}`);
  const machineAtStart = machine();
  const store = new ProtectedStore();
  const storeUrl = await store.listen();
  const storeClient = new StoreClient(storeUrl);
  const bundlePath = await bundleWorkflows();
  const server = new KillableServer();
  await server.start();
  progress(`dev server (in memory) on ${server.address}`);
  const client = await connectClient(server.address);
  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const worker = new WorkerProcess({
    address: server.address,
    namespace: 'default',
    taskQueue,
    bundlePath,
    storeUrl,
  });
  await worker.start();
  const services: Service[] = [];
  const systems: LockSystem[] = [temporalSystem(client, taskQueue)];
  let sqliteServer: KillableServer | undefined;
  let sqliteWorker: WorkerProcess | undefined;
  try {
    if (want('compare') || want('uncontended')) {
      // The same mutex on a dev server persisting to a SQLite file (every write hits the disk).
      sqliteServer = new KillableServer({ dbFilename: path.join(tmpRoot, 'bench.sqlite') });
      await sqliteServer.start();
      progress(`dev server (SQLite file) on ${sqliteServer.address}`);
      const sqliteQueue = `bench-sqlite-${randomUUID().slice(0, 8)}`;
      sqliteWorker = new WorkerProcess({
        address: sqliteServer.address,
        namespace: 'default',
        taskQueue: sqliteQueue,
        bundlePath,
        storeUrl,
      });
      await sqliteWorker.start();
      systems.push(temporalSystem(await connectClient(sqliteServer.address), sqliteQueue, 'temporal-sqlite'));
    }
    if (want('compare') || want('uncontended')) {
      const redis = await startRedis();
      services.push(redis);
      progress(`redis on ${redis.url} (${redis.version})`);
      systems.push(await redisSystem(redis.url, storeClient, P.redisRetryMs));
      const postgres = await startPostgres();
      services.push(postgres);
      progress(`postgres on ${postgres.url} (${postgres.version})`);
      systems.push(await postgresSystem(postgres.url, storeClient));
      results.versions = { redis: redis.version, postgres: postgres.version };
    }
    if (want('floor')) await floor(client, taskQueue, store);
    if (want('uncontended')) await uncontended(systems);
    if (want('compare')) await compare(systems, store);
    if (want('history')) await historyPerCycle(client, taskQueue);
    if (want('cycles')) await tenThousandCycles(client, taskQueue);
    if (want('fanout')) await fanout(client, taskQueue);
    if (want('memory')) await blockedMemory(client, server, bundlePath, storeUrl);
  } finally {
    for (const s of systems) await s.close();
    await worker.stop();
    await server.stop();
    await sqliteWorker?.stop();
    await sqliteServer?.stop();
    for (const s of services) await s.stop();
    storeClient.close();
    await store.close();
  }
  const report = {
    suite: 'bench',
    mode,
    startedAt,
    finishedAt: new Date().toISOString(),
    machineAtStart,
    machineAtEnd: machine(),
    notes: [
      'All timestamps: the driver process clock (performance.timeOrigin + performance.now()), taken by the protected store when a critical section enters/leaves, or around client calls. Never workflow time.',
      'Temporal: dev servers (temporal CLI start-dev) on this machine, in memory ("temporal") and on a SQLite file ("temporal-sqlite", hold 0 only); one worker process each; mutex workflows from @temporal-patterns/mutex. Redis and PostgreSQL on loopback on the same machine.',
      `Redis lock: SET key value NX PX 30000 plus INCR of a fencing counter in one Lua script; waiters retry every ${P.redisRetryMs} ms ±50%; release = compare-and-delete in Lua.`,
      'PostgreSQL lock: session pg_advisory_lock (blocks in the server lock queue) + nextval of a sequence as fencing token; release pg_advisory_unlock.',
      'Temporal contention: workflows running withLock around an activity that enters the store; handoff = next section entered - previous section left (includes activity completion, release signal, mutex task, grant signal, requester task, activity dispatch).',
      'The machine is shared: other engineers ran builds and test servers during the run (see load averages).',
    ],
    results,
  };
  writeReport(report, `bench-${mode}${only ? `-${only.join('-')}` : ''}`);
}

async function floor(client: Client, taskQueue: string, store: ProtectedStore): Promise<void> {
  progress('floor: update round trip (request in, reply out, one workflow task)');
  const id = `floor-${randomUUID().slice(0, 8)}`;
  const echo = await client.workflow.start(updateEcho, { taskQueue, workflowId: `${id}-update` });
  const updates: number[] = [];
  for (let i = 0; i < P.floorRounds; i++) {
    const t0 = now();
    await echo.executeUpdate(echoUpdate, { args: [i] });
    updates.push(now() - t0);
  }
  await echo.signal(stopSignal);
  progress('floor: signal relay between two workflows, activity to activity (the shape of a lock handoff)');
  const echoWf = await client.workflow.start(signalEcho, { taskQueue, workflowId: `${id}-echo` });
  await client.workflow.execute(signalPinger, {
    taskQueue,
    workflowId: `${id}-pinger`,
    args: [P.floorRounds],
  });
  await echoWf.signal(stopSignal);
  const stamps = store.stamps.get(`${id}-pinger`) ?? new Map<string, number>();
  const relays: number[] = [];
  for (let i = 0; i < P.floorRounds; i++) {
    const out = stamps.get(`out-${i}`);
    const back = stamps.get(`in-${i}`);
    if (out !== undefined && back !== undefined) relays.push(back - out);
  }
  results.floor = { updateRoundTripMs: summarize(updates), signalRelayMs: summarize(relays) };
  progress(`floor: update p50 ${summarize(updates).p50} ms, relay p50 ${summarize(relays).p50} ms`);
}

async function uncontended(systems: LockSystem[]): Promise<void> {
  const rows: Record<string, unknown> = {};
  for (const system of systems) {
    const n = system.name.startsWith('temporal') ? P.uncontended : P.uncontendedOthers;
    const resourceId = `uncontended-${system.name}-${randomUUID().slice(0, 8)}`;
    await system.cycle(resourceId); // warm-up (creates the mutex workflow / connection paths)
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(await system.cycle(resourceId));
    rows[system.name] = summarize(times);
    progress(`uncontended ${system.name}: p50 ${summarize(times).p50} ms over ${n} cycles`);
  }
  results.uncontendedAcquireReleaseMs = rows;
}

interface CompareRow {
  system: string;
  contenders: number;
  resources: number;
  holdMs: number;
  grants: number;
  grantsPerSecond: number;
  handoffMs: ReturnType<typeof summarize>;
  longestWaitMs: number;
  fifoViolations: number;
  fencingViolations: number;
}

async function runWindow(
  system: LockSystem,
  store: ProtectedStore,
  resources: number,
  contenders: number,
  holdMs: number,
): Promise<CompareRow> {
  const windowMs = P.windowMs[system.name as keyof typeof P.windowMs];
  const base = `cmp-${system.name}-${contenders}x${holdMs}-${randomUUID().slice(0, 6)}`;
  const ids = Array.from({ length: resources }, (_, r) => `${base}-r${r}`);
  const asks = new Map(ids.map((id) => [id, [] as Ask[]]));
  // Let Temporal contenders queue before the window opens (their first requests go out after they start).
  const warmupMs = system.name.startsWith('temporal') ? Math.min(3000, 500 + contenders * 40) : 200;
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

function mergeSummaries(s: Array<ReturnType<typeof summarize>>): ReturnType<typeof summarize> {
  // Approximate for several resources: the median of per-resource percentiles.
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return {
    n: s.reduce((a, x) => a + x.n, 0),
    p50: med(s.map((x) => x.p50)),
    p95: med(s.map((x) => x.p95)),
    p99: med(s.map((x) => x.p99)),
    max: Math.max(...s.map((x) => x.max)),
  };
}

async function compare(systems: LockSystem[], store: ProtectedStore): Promise<void> {
  const rows: CompareRow[] = [];
  for (const holdMs of P.holds) {
    for (const contenders of P.contenders) {
      for (const system of systems) {
        // The SQLite server is measured at hold 0 only (time on a shared machine).
        if (system.name === 'temporal-sqlite' && holdMs !== 0) continue;
        const row = await runWindow(system, store, 1, contenders, holdMs);
        rows.push(row);
        progress(
          `contention ${system.name} ${contenders} contenders, hold ${holdMs} ms: ${row.grantsPerSecond} grants/s, handoff p50 ${row.handoffMs.p50} ms p99 ${row.handoffMs.p99} ms, longest wait ${row.longestWaitMs} ms, FIFO violations ${row.fifoViolations}, fencing violations ${row.fencingViolations}`,
        );
      }
    }
  }
  results.compare = rows;
  const multi: CompareRow[] = [];
  for (const resources of P.resources) {
    for (const system of systems.filter((x) => x.name !== 'temporal-sqlite')) {
      const row = await runWindow(system, store, resources, 4, 0);
      multi.push(row);
      progress(
        `independent resources ${system.name} ×${resources} (4 contenders each): ${row.grantsPerSecond} grants/s`,
      );
    }
  }
  results.independentResources = multi;
}

async function historyEvents(client: Client, workflowId: string): Promise<number> {
  let total = 0;
  let runId: string | undefined;
  // Follow the chain of runs backwards from the latest.
  for (let guard = 0; guard < 1000; guard++) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    total += events.length;
    const prev = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!prev) break;
    runId = prev;
  }
  return total;
}

async function historyPerCycle(client: Client, taskQueue: string): Promise<void> {
  progress('history events per lock cycle (marginal: 25 cycles minus 5 cycles, one requester)');
  const measure = async (cycles: number) => {
    const resourceId = `hist-${cycles}-${randomUUID().slice(0, 6)}`;
    await client.workflow.start(mutexWorkflow, {
      workflowId: mutexWorkflowId(resourceId),
      taskQueue,
      args: [{ resourceId, idleTimeoutMs: 600_000 }],
    });
    const id = `${resourceId}-req`;
    await client.workflow.execute(contender, {
      taskQueue,
      workflowId: id,
      args: [{ resourceId, cycles, holdMs: 0, leaseMs: 60_000, timeoutMs: 60_000, preStarted: true }],
    });
    await sleep(500);
    const mutexEvents = await historyEvents(client, mutexWorkflowId(resourceId));
    const requesterEvents = await historyEvents(client, id);
    await client.workflow.getHandle(mutexWorkflowId(resourceId)).terminate('bench done');
    return { mutexEvents, requesterEvents };
  };
  const small = await measure(5);
  const big = await measure(25);
  const perCycle = {
    mutex: round((big.mutexEvents - small.mutexEvents) / 20, 2),
    requesterWithActivity: round((big.requesterEvents - small.requesterEvents) / 20, 2),
  };
  results.historyEventsPerCycle = {
    ...perCycle,
    note: 'requester = a workflow running withLock around one activity, plain-signal requests (mutex pre-started); the activity accounts for 3 of its events',
    raw: { cycles5: small, cycles25: big },
  };
  progress(
    `history: mutex ${perCycle.mutex} events/cycle, requester ${perCycle.requesterWithActivity} events/cycle`,
  );
}

async function tenThousandCycles(client: Client, taskQueue: string): Promise<void> {
  const { cyclers, perCycler, perRun, mutexMaxEvents } = P.cycles10k;
  const total = cyclers * perCycler;
  progress(
    `${total}-cycle run on one mutex (${cyclers} requesters × ${perCycler}, plain signals: ${2 * total} signals to the mutex)`,
  );
  const resourceId = `cycles-${randomUUID().slice(0, 6)}`;
  const mutex = await client.workflow.start(mutexWorkflow, {
    workflowId: mutexWorkflowId(resourceId),
    taskQueue,
    args: [{ resourceId, idleTimeoutMs: 600_000, maxHistoryEvents: mutexMaxEvents }],
  });
  const first = await mutex.query(mutexStateQuery);
  const t0 = now();
  const handles = await Promise.all(
    Array.from({ length: cyclers }, (_, i) =>
      client.workflow.start(cycler, {
        taskQueue,
        workflowId: `${resourceId}-cycler${i}`,
        args: [{ resourceId, cycles: perCycler, cyclesPerRun: perRun }],
      }),
    ),
  );
  let finished = false;
  const all = Promise.all(handles.map((h) => h.result())).finally(() => (finished = true));
  const limit = t0 + cyclesBudgetS * 1000;
  while (!finished && now() < limit) {
    await sleep(10_000);
    const s = await client.workflow
      .getHandle(mutexWorkflowId(resourceId))
      .query(mutexStateQuery)
      .catch(() => undefined);
    if (s)
      progress(
        `  ${s.lastFencingToken - first.lastFencingToken}/${total} grants, mutex run ${s.continuedAsNew + 1}, ${round((now() - t0) / 1000, 0)} s`,
      );
  }
  if (!finished) {
    const s = await mutex.query(mutexStateQuery).catch(() => undefined);
    const grants = s ? s.lastFencingToken - first.lastFencingToken : NaN;
    results.tenThousandCycles = {
      completed: false,
      note: `stopped by its time budget of ${cyclesBudgetS} s`,
      grantsCounted: grants,
      signalsToMutexAtLeast: 2 * grants,
      mutexRuns: s ? s.continuedAsNew + 1 : NaN,
      mutexStillRunning: s !== undefined,
      cyclesPerSecond: round(grants / ((now() - t0) / 1000), 1),
    };
    await Promise.all(handles.map((h) => h.terminate('bench time limit').catch(() => undefined)));
    progress('cycles: did not finish in its time budget');
    return;
  }
  const done = await all;
  const seconds = (now() - t0) / 1000;
  const state = await mutex.query(mutexStateQuery);
  const cycles = done.reduce((a, r) => a + r.cycles, 0);
  const outOfOrder = done.reduce((a, r) => a + r.outOfOrder, 0);
  results.tenThousandCycles = {
    completed: cycles === total,
    cycles,
    signalsToMutex: 2 * cycles,
    grantsCounted: state.lastFencingToken - first.lastFencingToken,
    mutexRuns: state.continuedAsNew + 1,
    tokensOutOfOrderPerRequester: outOfOrder,
    seconds: round(seconds),
    cyclesPerSecond: round(cycles / seconds, 1),
  };
  await mutex.terminate('bench done');
  progress(`cycles: ${cycles} in ${round(seconds)} s over ${state.continuedAsNew + 1} mutex runs`);
}

async function fanout(client: Client, taskQueue: string): Promise<void> {
  let startFanout:
    ((c: Client, o: Record<string, unknown>) => Promise<{ result(): Promise<unknown> }>) | undefined;
  try {
    ({ startFanout } = (await import('@temporal-patterns/fanout/client')) as unknown as {
      startFanout: typeof startFanout;
    });
  } catch {
    results.fanout = { skipped: '@temporal-patterns/fanout/client not available' };
    return;
  }
  const n = P.fanout;
  progress(`fanout: ${n} children, plain executeChild + Promise.all`);
  const t0 = now();
  await client.workflow.execute('plainFanout', {
    taskQueue,
    workflowId: `plain-${randomUUID().slice(0, 6)}`,
    args: [n, n],
  });
  const plain = now() - t0;
  progress(`fanout: plain ${round(plain / 1000, 2)} s; now fanoutWorkflow with ${n} children`);
  const t1 = now();
  const handle = await (startFanout as NonNullable<typeof startFanout>)(client, {
    workflowId: `fanout-${randomUUID().slice(0, 6)}`,
    taskQueue,
    childWorkflowType: 'fanoutBenchChild',
    inputs: Array.from({ length: n }, (_, i) => `item-${i}`),
    // window + startAhead must stay within 1,900 pending children/signals per run.
    window: Math.min(n, 950),
    startAhead: Math.min(n, 950),
    childTimeout: '10 minutes',
  });
  const summary = await handle.result();
  const pattern = now() - t1;
  results.fanout = {
    children: n,
    plainExecuteChildSeconds: round(plain / 1000, 2),
    fanoutWorkflowSeconds: round(pattern / 1000, 2),
    ratio: round(pattern / plain, 2),
    summary: { ...(summary as Record<string, unknown>), outcomes: undefined },
  };
  progress(`fanout: pattern ${round(pattern / 1000, 2)} s (×${round(pattern / plain, 2)} of plain)`);
}

async function blockedMemory(
  client: Client,
  server: KillableServer,
  bundlePath: string,
  storeUrl: string,
): Promise<void> {
  const n = P.blocked;
  progress(`memory: ${n} workflows blocked on one lock, worker with maxCachedWorkflows 100 (own process)`);
  const taskQueue = `mem-${randomUUID().slice(0, 6)}`;
  const worker = new WorkerProcess({
    address: server.address,
    namespace: 'default',
    taskQueue,
    bundlePath,
    storeUrl,
    maxCachedWorkflows: 100,
    memoryEveryMs: 1000,
  });
  await worker.start();
  const resourceId = `mem-${randomUUID().slice(0, 6)}`;
  try {
    await client.workflow.start(stuckHolder, {
      taskQueue,
      workflowId: `${resourceId}-holder`,
      args: [resourceId, 3_600_000],
    });
    const mutex = client.workflow.getHandle(mutexWorkflowId(resourceId));
    for (let i = 0; i < 100; i++) {
      const s = await mutex.query(mutexStateQuery).catch(() => undefined);
      if (s?.holders.length) break;
      await sleep(200);
    }
    await sleep(3000);
    const mark = (label: string, queued: number) => {
      const m = worker.mem.at(-1);
      return {
        label,
        queued,
        rssMiB: m ? round(m.rss / 2 ** 20) : NaN,
        heapUsedMiB: m ? round(m.heapUsed / 2 ** 20) : NaN,
      };
    };
    const samples = [mark('holder only', 0)];
    const step = Math.max(1, Math.floor(n / 10));
    for (let started = 0; started < n; started += step) {
      await pool(
        Array.from({ length: Math.min(step, n - started) }, (_, i) => started + i),
        50,
        (i) =>
          client.workflow.start(blockedWaiter, {
            taskQueue,
            workflowId: `${resourceId}-w${i}`,
            args: [resourceId],
          }),
      );
      // Wait until the mutex has them all queued (each waiter ran its first task and signalled).
      const deadline = now() + 300_000;
      let queued = 0;
      while (now() < deadline) {
        const s = await mutex.query(mutexStateQuery).catch(() => undefined);
        queued = s?.queue.length ?? queued;
        if (queued >= started + step || queued >= n) break;
        await sleep(1000);
      }
      samples.push(mark(`${Math.min(started + step, n)} started`, queued));
      progress(
        `  memory: ${samples.at(-1)?.label}, ${queued} queued, worker RSS ${samples.at(-1)?.rssMiB} MiB, heap ${samples.at(-1)?.heapUsedMiB} MiB`,
      );
    }
    await sleep(10_000);
    samples.push(mark('10 s later', n));
    const first = samples[1] ?? samples[0];
    const last = samples.at(-1);
    results.blockedMemory = {
      workflows: n,
      maxCachedWorkflows: 100,
      samples,
      rssGrowthMiBFromFirstStepToEnd: last && first ? round(last.rssMiB - first.rssMiB) : NaN,
      heapGrowthMiBFromFirstStepToEnd: last && first ? round(last.heapUsedMiB - first.heapUsedMiB) : NaN,
      peakRssMiB: round(Math.max(...worker.mem.map((m) => m.rss)) / 2 ** 20),
    };
  } finally {
    await worker.stop();
  }
}

/** The few numbers a reader choosing between the three should see first. */
function keyRatios(r: Record<string, unknown>): string[] {
  const out: string[] = [];
  const unc = r.uncontendedAcquireReleaseMs as Record<string, { p50: number }> | undefined;
  if (unc?.temporal && unc.redis && unc.postgres) {
    out.push(
      `Uncontended acquire + release, p50: temporal ${unc.temporal.p50} ms, redis ${unc.redis.p50} ms, postgres ${unc.postgres.p50} ms — the signal-based mutex takes ×${round(unc.temporal.p50 / unc.redis.p50, 0)} Redis's time and ×${round(unc.temporal.p50 / unc.postgres.p50, 0)} PostgreSQL's.`,
    );
  }
  const cmp = r.compare as CompareRow[] | undefined;
  const floor = r.floor as { signalRelayMs: { p50: number }; updateRoundTripMs: { p50: number } } | undefined;
  if (cmp) {
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
    if (floor)
      out.push(
        `Floor: update round trip p50 ${floor.updateRoundTripMs.p50} ms; workflow-to-workflow signal relay p50 ${floor.signalRelayMs.p50} ms, the same order as the mutex handoff — the handoff costs about one relay.`,
      );
    const fifo = (s: string) =>
      cmp.filter((x) => x.system === s).reduce((a, x) => a + (x.fifoViolations ?? 0), 0);
    out.push(
      `Fairness: FIFO violations over all windows — temporal ${fifo('temporal')}, redis ${fifo('redis')}, postgres ${fifo('postgres')}. Fencing violations: ${cmp.reduce((a, x) => a + x.fencingViolations, 0)}.`,
    );
  }
  const multi = r.independentResources as CompareRow[] | undefined;
  if (multi) {
    const t = multi.filter((x) => x.system === 'temporal');
    out.push(
      `Independent resources scale the signal-based mutex: ${t.map((x) => `${x.resources} → ${x.grantsPerSecond}`).join(', ')} grants/s.`,
    );
  }
  return out;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(x) : '–';
}

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
  const floor = r.floor as
    | { updateRoundTripMs: ReturnType<typeof summarize>; signalRelayMs: ReturnType<typeof summarize> }
    | undefined;
  if (floor) {
    lines.push('## Floor', '', '| measure | p50 ms | p95 ms | p99 ms | n |', '|---|---|---|---|---|');
    lines.push(
      `| update round trip (one workflow task) | ${floor.updateRoundTripMs.p50} | ${floor.updateRoundTripMs.p95} | ${floor.updateRoundTripMs.p99} | ${floor.updateRoundTripMs.n} |`,
    );
    lines.push(
      `| signal relay, activity → signal → other workflow → signal back → activity | ${floor.signalRelayMs.p50} | ${floor.signalRelayMs.p95} | ${floor.signalRelayMs.p99} | ${floor.signalRelayMs.n} |`,
      '',
    );
  }
  const unc = r.uncontendedAcquireReleaseMs as Record<string, ReturnType<typeof summarize>> | undefined;
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
      '| hold ms | contenders | temporal grants/s | redis grants/s | postgres grants/s | temporal handoff p50/p95/p99 ms | redis handoff p50/p95/p99 ms | postgres handoff p50/p95/p99 ms | handoff p50 ratio temporal : redis : postgres (redis = 1) | longest wait ms (t/r/p) | FIFO violations (t/r/p) | temporal on SQLite: grants/s, handoff p50 ms | fencing violations |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    const key = (row: CompareRow) => `${row.holdMs}/${row.contenders}`;
    const groups = new Map<string, CompareRow[]>();
    for (const row of cmp) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
    for (const rows of groups.values()) {
      const by = (s: string) => rows.find((x) => x.system === s);
      const t = by('temporal');
      const re = by('redis');
      const pg = by('postgres');
      const h = (x?: CompareRow) =>
        x ? `${fmt(x.handoffMs.p50)} / ${fmt(x.handoffMs.p95)} / ${fmt(x.handoffMs.p99)}` : '–';
      const ratio =
        t && re && pg
          ? `${fmt(round(t.handoffMs.p50 / re.handoffMs.p50, 0))} : 1 : ${fmt(round(pg.handoffMs.p50 / re.handoffMs.p50, 1))}`
          : '–';
      lines.push(
        `| ${rows[0]?.holdMs} | ${rows[0]?.contenders} | ${t?.grantsPerSecond ?? '–'} | ${re?.grantsPerSecond ?? '–'} | ${pg?.grantsPerSecond ?? '–'} | ${h(t)} | ${h(re)} | ${h(pg)} | ${ratio} | ${t?.longestWaitMs ?? '–'} / ${re?.longestWaitMs ?? '–'} / ${pg?.longestWaitMs ?? '–'} | ${t?.fifoViolations ?? '–'} / ${re?.fifoViolations ?? '–'} / ${pg?.fifoViolations ?? '–'} | ${by('temporal-sqlite') ? `${by('temporal-sqlite')?.grantsPerSecond}, ${by('temporal-sqlite')?.handoffMs.p50}` : '–'} | ${rows.reduce((a, x) => a + x.fencingViolations, 0)} |`,
      );
    }
    lines.push('', `![grants per second and handoff latency](${name}.svg)`, '');
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
    lines.push(
      '## History events per lock cycle',
      '',
      '```json',
      JSON.stringify(r.historyEventsPerCycle, null, 2),
      '```',
      '',
    );
  if (r.tenThousandCycles)
    lines.push(
      '## Many cycles on one mutex (continue-as-new)',
      '',
      '```json',
      JSON.stringify(r.tenThousandCycles, null, 2),
      '```',
      '',
    );
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
  if (r.fanout)
    lines.push('## Fan-out wall time', '', '```json', JSON.stringify(r.fanout, null, 2), '```', '');
  return `${lines.join('\n')}\n`;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(explainFailure(err));
    process.exit(1);
  },
);
