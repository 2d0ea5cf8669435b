// npm run test:faults [-- --short]: the mutex's guarantees shown under failure, against real processes.
//   1. a worker killed with SIGKILL and restarted again and again while 50 workflows contend;
//   2. the same with the dev server (on a SQLite file) killed with SIGKILL and restarted mid-contention;
//   3. a terminated holder's lock comes back within its lease plus a small margin;
//   4. malformed payloads sent to each pattern's long-running workflows: none fails, each is logged.
// Ends with one line "N passed, N failed" and exits non-zero on failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Client, WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import {
  lockRequestSignal,
  mutexStateQuery,
  mutexWorkflow,
  mutexWorkflowId,
  releaseSignal,
  renewSignal,
  withdrawSignal,
} from '@temporal-patterns/mutex';
import {
  forceSignal,
  reportSignal,
  subscribeSignal,
  unsubscribeSignal,
} from '@temporal-patterns/circuit-breaker';
import { fanoutCleanupSignal, fanoutReportSignal, fanoutStartSignal } from '@temporal-patterns/fanout';
import { startFanout } from '@temporal-patterns/fanout/client';
import { creditSignal, itemsSignal, stageFailedSignal } from '@temporal-patterns/pipeline';
import { definePipeline, startPipeline } from '@temporal-patterns/pipeline/client';
import { circuitBreakerWorkflowId, startCircuitBreaker } from '@temporal-patterns/circuit-breaker/client';
import {
  bundleWorkflows,
  connectClient,
  here,
  KillableServer,
  machine,
  pool,
  progress,
  sleep,
  tmpRoot,
  WorkerProcess,
} from './common.js';
import { explainFailure, listOf, parseCommandLine } from './command-line.js';
import { ProtectedStore } from './store.js';
import { contender, stuckHolder, type ContenderInput } from './workflows.js';

const PARTS = ['worker', 'server', 'holder', 'malformed'] as const;
const USAGE = `Usage: npm run test:faults -- [--short] [--only=PART,...]

Runs the fault suite on its own dev servers and worker processes, which it kills and restarts, and
writes tools/bench/results/faults-<mode>.{json,md}. Exits 0 only when every check passed.

  --short           the CI version (a few minutes) instead of the full suite
  --only=PART,...   run only these scenarios: ${PARTS.join(', ')}
  --help            this text`;

const args = parseCommandLine(USAGE, (argv) =>
  parseArgs({
    args: argv,
    strict: true,
    options: { short: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean' } },
  }),
);
const short = args.short ?? false;
const mode = short ? 'short' : 'full';
const P = short
  ? { contenders: 50, cycles: 1, workerKills: 4, serverKills: 2, malformed: 250, deadlineMs: 150_000 }
  : { contenders: 50, cycles: 3, workerKills: 12, serverKills: 4, malformed: 1000, deadlineMs: 480_000 };

const only = listOf(USAGE, '--only', args.only, PARTS);
const want = (part: (typeof PARTS)[number]): boolean => !only || only.includes(part);

interface Check {
  scenario: string;
  check: string;
  ok: boolean;
  detail: string;
}
const checks: Check[] = [];
const facts: Record<string, unknown> = {};

function check(scenario: string, name: string, ok: boolean, detail: string): void {
  checks.push({ scenario, check: name, ok, detail });
  progress(`${ok ? 'PASS' : 'FAIL'} ${scenario}: ${name} — ${detail}`);
}

/** Waits for a workflow's result, riding out a server that is down for a while. */
async function resultOf<T>(handle: WorkflowHandle, deadline: number): Promise<T> {
  for (;;) {
    try {
      return (await handle.result()) as T;
    } catch (err) {
      const text = String(err);
      const transient = /UNAVAILABLE|ECONNREFUSED|Connection|DEADLINE|deadline|unavailable|14 /i.test(text);
      if (!transient || Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

async function retrying<T>(fn: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/** Starts the mutex ourselves so its workflow tasks time out in 2 s (not 10) after a killed worker. */
async function startMutex(client: Client, taskQueue: string, resourceId: string): Promise<void> {
  await client.workflow.start(mutexWorkflow, {
    workflowId: mutexWorkflowId(resourceId),
    taskQueue,
    args: [{ resourceId, idleTimeoutMs: 600_000 }],
    workflowTaskTimeout: '2s',
  });
}

interface Contention {
  client: Client;
  store: ProtectedStore;
  taskQueue: string;
  scenario: string;
  /** Runs while the contenders run; returns how many faults it injected. */
  chaos: (done: () => boolean) => Promise<number>;
  minFaults: number;
}

async function contention({
  client,
  store,
  taskQueue,
  scenario,
  chaos,
  minFaults,
}: Contention): Promise<void> {
  const resourceId = `${scenario}-${randomUUID().slice(0, 8)}`;
  const deadline = Date.now() + P.deadlineMs;
  await retrying(() => startMutex(client, taskQueue, resourceId), deadline);
  const input: ContenderInput = {
    resourceId,
    cycles: P.cycles,
    holdMs: 20,
    leaseMs: 120_000,
    timeoutMs: P.deadlineMs * 2,
  };
  const handles = await pool(
    Array.from({ length: P.contenders }, (_, i) => i),
    10,
    (i) =>
      retrying(
        () =>
          client.workflow.start(contender, {
            taskQueue,
            workflowId: `${resourceId}-c${i}`,
            args: [input],
            workflowTaskTimeout: '2s',
          }),
        deadline,
      ),
  );
  progress(`${scenario}: ${P.contenders} contenders started on ${resourceId}`);
  let finished = 0;
  const results = Promise.allSettled(
    handles.map((h) =>
      resultOf<{ tokens: number[]; rejected: number }>(h, deadline).finally(() => {
        finished++;
      }),
    ),
  );
  const faults = await chaos(() => finished === handles.length || Date.now() > deadline);
  const settled = await results;
  const ok = settled.filter((r) => r.status === 'fulfilled') as Array<
    PromiseFulfilledResult<{ tokens: number[]; rejected: number }>
  >;
  const tokens = ok.flatMap((r) => r.value.tokens);
  const sections = store.sections(resourceId);
  const violations = store.violations.filter((v) => v.resourceId === resourceId);
  const expected = P.contenders * P.cycles;
  facts[scenario] = {
    resourceId,
    faults,
    contenders: P.contenders,
    cycles: P.cycles,
    sections: sections.length,
  };
  check(scenario, 'faults injected', faults >= minFaults, `${faults} (at least ${minFaults} wanted)`);
  check(
    scenario,
    'every contender finished',
    ok.length === handles.length,
    `${ok.length}/${handles.length} finished` +
      (ok.length < handles.length
        ? `; first error: ${String((settled.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined)?.reason).slice(0, 200)}`
        : ''),
  );
  check(
    scenario,
    'no request lost: one grant per cycle, all tokens distinct',
    tokens.length === expected && new Set(tokens).size === expected && sections.length === expected,
    `${tokens.length} grants returned, ${new Set(tokens).size} distinct tokens, ${sections.length} critical sections recorded, ${expected} expected`,
  );
  check(
    scenario,
    'no two holders at once (fencing tokens checked by the protected store)',
    violations.length === 0 && ok.every((r) => r.value.rejected === 0),
    violations.length === 0
      ? 'no overlap, no stale token'
      : violations
          .slice(0, 3)
          .map((v) => v.detail)
          .join('; '),
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  progress(`fault suite (${mode}); temp dir ${tmpRoot}`);
  const store = new ProtectedStore();
  const storeUrl = await store.listen();
  const bundlePath = await bundleWorkflows();
  progress('workflow bundle built');

  // 1. Worker SIGKILL loop. ------------------------------------------------------------------------------
  if (want('worker')) {
    const server = new KillableServer();
    await server.start();
    const client = await connectClient(server.address);
    const taskQueue = `faults-worker-${randomUUID().slice(0, 8)}`;
    const worker = new WorkerProcess({
      address: server.address,
      namespace: server.namespace,
      taskQueue,
      bundlePath,
      storeUrl,
    });
    await worker.start();
    try {
      await contention({
        client,
        store,
        taskQueue,
        scenario: 'worker-sigkill',
        minFaults: P.workerKills,
        chaos: async (done) => {
          let kills = 0;
          while (!done()) {
            await sleep(1000 + Math.random() * 2000);
            if (done()) break;
            if (kills < P.workerKills * 2) {
              await worker.kill();
              kills++;
              progress(`worker-sigkill: worker killed (${kills}), restarting`);
              await sleep(200 + Math.random() * 800);
              await worker.start();
            }
          }
          return kills;
        },
      });
    } finally {
      await worker.stop();
      await server.stop();
    }
  }

  // 2. Dev server on a SQLite file, SIGKILLed mid-contention. ----------------------------------------------
  if (want('server')) {
    const server = new KillableServer({ dbFilename: path.join(tmpRoot, 'faults.sqlite') });
    await server.start();
    const client = await connectClient(server.address);
    const taskQueue = `faults-server-${randomUUID().slice(0, 8)}`;
    const worker = new WorkerProcess({
      address: server.address,
      namespace: server.namespace,
      taskQueue,
      bundlePath,
      storeUrl,
    });
    await worker.start();
    let workerRestarts = 0;
    try {
      if (!server.killable) {
        check(
          'server-sigkill',
          'server killable',
          false,
          'no temporal CLI found; the harness server cannot be SIGKILLed',
        );
      } else {
        await contention({
          client,
          store,
          taskQueue,
          scenario: 'server-sigkill',
          minFaults: P.serverKills,
          chaos: async (done) => {
            let kills = 0;
            while (!done()) {
              await sleep(2500 + Math.random() * 2500);
              if (done()) break;
              if (kills < P.serverKills) {
                await server.kill();
                kills++;
                progress(`server-sigkill: server killed (${kills}), restarting on the same SQLite file`);
                await sleep(500 + Math.random() * 1000);
                await server.start();
              }
              // The worker may give up while the server is gone: restart it like a supervisor would.
              if (!worker.running) {
                workerRestarts++;
                await worker.start();
              }
            }
            return kills;
          },
        });
        facts['server-sigkill-worker-restarts'] = workerRestarts;
      }
    } finally {
      await worker.stop();
      await server.stop();
    }
  }

  // 3 and 4 share one in-memory server and one worker. ------------------------------------------------------
  if (want('holder') || want('malformed')) {
    const server = new KillableServer();
    await server.start();
    const client = await connectClient(server.address);
    const taskQueue = `faults-misc-${randomUUID().slice(0, 8)}`;
    const worker = new WorkerProcess({
      address: server.address,
      namespace: server.namespace,
      taskQueue,
      bundlePath,
      storeUrl,
    });
    await worker.start();
    try {
      if (want('holder')) await terminatedHolder(client, store, taskQueue);
      if (want('malformed')) await malformedPayloads(client, worker, taskQueue);
    } finally {
      await worker.stop();
      await server.stop();
    }
  }

  await store.close();
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed;
  const report = {
    suite: 'faults',
    mode,
    parameters: P,
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    checks,
    facts,
    passed,
    failed,
  };
  const dir = path.join(here, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `faults-${mode}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    `# Fault suite (${mode}) — ${report.finishedAt}`,
    '',
    `${passed} passed, ${failed} failed in ${report.durationSeconds} s on ${String(report.machine.cpu)} ` +
      `(${String(report.machine.cores)} cores, load average ${JSON.stringify(report.machine.loadAverage1m5m15m)} at the end).`,
    '',
    '| scenario | check | result | detail |',
    '|---|---|---|---|',
    ...checks.map(
      (c) =>
        `| ${c.scenario} | ${c.check} | ${c.ok ? 'pass' : '**FAIL**'} | ${c.detail.replace(/\|/g, '\\|')} |`,
    ),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, `faults-${mode}.md`), md);
  progress(`results in tools/bench/results/faults-${mode}.{json,md}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

async function terminatedHolder(client: Client, store: ProtectedStore, taskQueue: string): Promise<void> {
  const scenario = 'terminated-holder';
  const resourceId = `holder-${randomUUID().slice(0, 8)}`;
  const leaseMs = 3000;
  const marginMs = 1500;
  const holder = await client.workflow.start(stuckHolder, {
    taskQueue,
    workflowId: `${resourceId}-holder`,
    args: [resourceId, leaseMs],
  });
  const deadline = Date.now() + 30_000;
  while (store.sections(resourceId).length === 0 && Date.now() < deadline) await sleep(50);
  const state = await client.workflow.getHandle(mutexWorkflowId(resourceId)).query(mutexStateQuery);
  const held = state.holders[0];
  const waiter = await client.workflow.start(contender, {
    taskQueue,
    workflowId: `${resourceId}-waiter`,
    args: [{ resourceId, cycles: 1, holdMs: 0, leaseMs: 60_000, timeoutMs: 60_000 }],
  });
  await sleep(300);
  await holder.terminate('fault suite: holder crashed');
  const terminatedAt = Date.now();
  await waiter.result();
  const next = store.sections(resourceId)[1];
  if (!held || !next) {
    check(scenario, 'lock freed after the lease', false, 'holder or waiter section missing');
    return;
  }
  const freedAfterGrant = Math.round(next.enteredAt - held.grantedAt);
  const lateBy = Math.round(next.enteredAt - held.leaseExpiresAt);
  facts[scenario] = { leaseMs, marginMs, freedAfterGrantMs: freedAfterGrant, lateByMs: lateBy };
  check(
    scenario,
    'waiter granted after the termination and no later than the lease end + margin',
    next.enteredAt <= held.leaseExpiresAt + marginMs &&
      next.enteredAt >= Math.min(terminatedAt, held.leaseExpiresAt) - 50,
    `lease ${leaseMs} ms; waiter entered ${freedAfterGrant} ms after the grant (${lateBy} ms after the lease ran out; margin ${marginMs} ms)`,
  );
  check(
    scenario,
    'waiter token higher than the terminated holder',
    next.fencingToken > held.fencingToken &&
      store.violations.filter((v) => v.resourceId === resourceId).length === 0,
    `${held.fencingToken} → ${next.fencingToken}`,
  );
}

/** Garbage of many shapes; `valid` is mutated one field at a time so near-misses are covered too. */
function malformedPayloads_(n: number, valid: Record<string, unknown>): unknown[][] {
  const shapes: unknown[][] = [
    [],
    [null],
    [0],
    [-1],
    [''],
    ['x'.repeat(5000)],
    [true],
    [[]],
    [[1, 2, 3]],
    [{}],
    [{ a: { b: { c: { d: {} } } } }],
    [{ __proto__: { polluted: true } }],
    [{ constructor: 'x', toString: 1 }],
    [JSON.stringify(valid)],
  ];
  const keys = Object.keys(valid);
  // Every value here is invalid for every field of the targets below (42 would be a valid lease).
  const wrong = [null, '', [], {}, -5, false];
  for (const key of keys) {
    for (const w of wrong) {
      const copy = { ...valid, [key]: w };
      if (JSON.stringify(copy) !== JSON.stringify(valid)) shapes.push([copy]);
    }
    const { [key]: _, ...missing } = valid;
    shapes.push([missing]);
  }
  return Array.from({ length: n }, (_, i) => shapes[i % shapes.length] as unknown[]);
}

/** A signal of a pattern, with the pattern's own validator: only payloads it rejects are sent. */
interface TargetSignal {
  signal: { name: string; parse(raw: unknown): unknown };
  valid: Record<string, unknown>;
}

interface Target {
  pattern: string;
  workflowId: string;
  signals: TargetSignal[];
}

function rejectedBy(signal: TargetSignal['signal'], args: unknown[]): boolean {
  try {
    signal.parse(JSON.parse(JSON.stringify(args[0] ?? null)) as unknown);
    return false;
  } catch {
    return true;
  }
}

async function malformedPayloads(client: Client, worker: WorkerProcess, taskQueue: string): Promise<void> {
  const scenario = 'malformed-payloads';
  const resourceId = `malformed-${randomUUID().slice(0, 8)}`;
  await startMutex(client, taskQueue, resourceId);
  const requester = { kind: 'workflow', workflowId: 'w', runId: randomUUID() };
  const targets: Target[] = [
    {
      pattern: 'mutex',
      workflowId: mutexWorkflowId(resourceId),
      signals: [
        {
          signal: lockRequestSignal,
          valid: { requestId: 'q', secret: 's', requester, leaseMs: 1000, timeoutMs: 1000 },
        },
        { signal: releaseSignal, valid: { requestId: 'q', grantToken: 'g' } },
        { signal: renewSignal, valid: { requestId: 'q', grantToken: 'g', leaseMs: 1000 } },
        { signal: withdrawSignal, valid: { requestId: 'q', secret: 's' } },
      ],
    },
  ];
  const dependency = `faults-${randomUUID().slice(0, 8)}`;
  await startCircuitBreaker(client, { dependency, taskQueue });
  targets.push({
    pattern: 'circuit-breaker',
    workflowId: circuitBreakerWorkflowId(dependency),
    signals: [
      { signal: reportSignal, valid: { outcome: 'failure' } },
      { signal: subscribeSignal, valid: { workflowId: 'w' } },
      { signal: unsubscribeSignal, valid: { workflowId: 'w' } },
      { signal: forceSignal, valid: { mode: 'open' } },
    ],
  });
  // A fan-out whose two children wait forever: the parent takes reports, a child takes start/clean-up.
  const fanoutId = `faults-fanout-${randomUUID().slice(0, 8)}`;
  const fanout = await startFanout(client, {
    workflowId: fanoutId,
    taskQueue,
    childWorkflowType: 'blockingFanoutChild',
    inputs: ['a', 'b'],
    window: 1,
    startAhead: 1,
  });
  const identity = { fanoutId, parentWorkflowId: fanoutId, index: 1, childId: `${fanoutId}/1` };
  targets.push({
    pattern: 'fanout (parent)',
    workflowId: fanoutId,
    signals: [{ signal: fanoutReportSignal, valid: { ...identity, status: 'done' } }],
  });
  targets.push({
    pattern: 'fanout (child)',
    workflowId: `${fanoutId}/1`,
    signals: [
      { signal: fanoutStartSignal, valid: { ...identity, input: 'x' } },
      { signal: fanoutCleanupSignal, valid: { ...identity, reason: 'cancelled' } },
    ],
  });
  // A pipeline run left open (no items, input not closed): the run and its one stage keep running.
  const pipelineRunId = `faults-pipeline-${randomUUID().slice(0, 8)}`;
  const pipeline = await startPipeline(
    client,
    definePipeline('faults', [{ name: 'hold', activity: 'benchPipelineStage' }]),
    { runId: pipelineRunId, taskQueue },
  );
  targets.push({
    pattern: 'pipeline (run)',
    workflowId: pipelineRunId,
    signals: [
      { signal: itemsSignal, valid: { sender: 's', channel: 'c', entries: [] } },
      { signal: stageFailedSignal, valid: { sender: 's', stage: 'hold', kind: 'stalled', detail: 'd' } },
    ],
  });
  targets.push({
    pattern: 'pipeline (stage)',
    workflowId: `${pipelineRunId}/stage/hold`,
    signals: [
      { signal: itemsSignal, valid: { sender: 's', channel: 'c', entries: [] } },
      { signal: creditSignal, valid: { sender: 's', stage: 'hold', released: 1 } },
    ],
  });

  for (const target of targets) {
    const handle = client.workflow.getHandle(target.workflowId);
    // Keep only payloads the pattern's own validator rejects (a near-miss can be valid, e.g. a lease of 42).
    const sends = target.signals.flatMap((s) => {
      const pool_ = malformedPayloads_(200, s.valid).filter((args) => rejectedBy(s.signal, args));
      return Array.from({ length: Math.ceil(P.malformed / target.signals.length) }, (_, i) => ({
        name: s.signal.name,
        args: pool_[i % pool_.length] as unknown[],
      }));
    });
    if (target.pattern === 'fanout (child)' || target.pattern === 'pipeline (stage)') {
      // The child must exist: it is started ahead and waits for its start signal.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const ok = await client.workflow
          .getHandle(target.workflowId)
          .describe()
          .then(
            () => true,
            () => false,
          );
        if (ok) break;
        await sleep(200);
      }
    }
    const before = worker.logs.length;
    const t0 = Date.now();
    await pool(sends.slice(0, P.malformed), 20, ({ name, args }) => handle.signal(name, ...args));
    const sent = Math.min(sends.length, P.malformed);
    progress(`${scenario}: ${sent} malformed signals sent to ${target.pattern} in ${Date.now() - t0} ms`);
    // Rejections are logged as the workflow processes them: wait until all are in (bounded).
    const rejections = (): number =>
      worker.logs
        .slice(before)
        .filter(
          (l) => l.workflowId === target.workflowId && l.message.startsWith('Rejected malformed payload'),
        ).length;
    const deadline = Date.now() + 60_000;
    while (rejections() < sent && Date.now() < deadline) await sleep(200);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const failed = (history.events ?? []).filter(
      (e) => e.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    );
    // The server itself force-closes a task when more than 100 signals buffer while it runs (a burst like
    // this one); the retried task handles the same signals again. Only other causes are the workflow's fault.
    const causes = failed.map((e) => {
      const attrs = e.workflowTaskFailedEventAttributes;
      const cause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause[attrs?.cause ?? 0] ?? '?';
      return `${cause.replace('WORKFLOW_TASK_FAILED_CAUSE_', '')}${attrs?.failure?.message ? `: ${attrs.failure.message}` : ''}`;
    });
    const serverForced = causes.filter(
      (c) => c.startsWith('FORCE_CLOSE_COMMAND') || c.startsWith('RESET_STICKY_TASK_QUEUE'),
    );
    const workflowsFault = causes.filter((c) => !serverForced.includes(c));
    check(
      scenario,
      `${target.pattern}: still running, no workflow task failed by the workflow's code`,
      description.status.name === 'RUNNING' && workflowsFault.length === 0,
      `status ${description.status.name}; ${workflowsFault.length} task failures from the workflow` +
        (workflowsFault[0] ? ` (first: ${workflowsFault[0].slice(0, 300)})` : '') +
        `; ${serverForced.length} tasks force-closed by the server under the burst and retried`,
    );
    facts[`${scenario}-${target.pattern}`] = { sent, rejectionLogLines: rejections(), taskFailures: causes };
    check(
      scenario,
      `${target.pattern}: each rejection logged`,
      serverForced.length === 0 ? rejections() === sent : rejections() >= sent,
      `${rejections()} rejection log lines for ${sent} malformed signals` +
        (serverForced.length
          ? ' (a retried task logs its signals again, so at least as many lines as signals)'
          : ''),
    );
  }
  await fanout.terminate('fault suite done').catch(() => undefined);
  await client.workflow
    .getHandle(pipeline.runId ?? pipelineRunId)
    .terminate('fault suite done')
    .catch(() => undefined);
  // The mutex still serves after the garbage.
  const after = await client.workflow.execute(contender, {
    taskQueue,
    workflowId: `${resourceId}-after`,
    args: [{ resourceId, cycles: 2, holdMs: 0, leaseMs: 10_000, timeoutMs: 30_000 }],
  });
  check(
    scenario,
    'mutex: grants locks after the garbage',
    after.tokens.length === 2,
    `tokens ${after.tokens.join(', ')}`,
  );
  await bogusRunId(client, taskQueue);
}

/**
 * A lock request that passes the mutex's validator but names a run id that is not a run id: granting it
 * must not wedge the mutex (the server rejects the grant signal's command, failing the workflow task).
 */
async function bogusRunId(client: Client, taskQueue: string): Promise<void> {
  const scenario = 'malformed-payloads';
  const resourceId = `bogus-run-${randomUUID().slice(0, 8)}`;
  await startMutex(client, taskQueue, resourceId);
  const handle = client.workflow.getHandle(mutexWorkflowId(resourceId));
  await handle.signal('mutex.lock-request', {
    requestId: randomUUID(),
    secret: randomUUID(),
    requester: { kind: 'workflow', workflowId: 'someone', runId: 'not-a-run-id' },
    leaseMs: 60_000,
    timeoutMs: 60_000,
  });
  let tokens: number[] = [];
  let error = '';
  try {
    ({ tokens } = await client.workflow.execute(contender, {
      taskQueue,
      workflowId: `${resourceId}-after`,
      args: [{ resourceId, cycles: 1, holdMs: 0, leaseMs: 10_000, timeoutMs: 15_000 }],
    }));
  } catch (err) {
    error = String((err as { cause?: unknown }).cause ?? err).slice(0, 200);
  }
  const history = await handle.fetchHistory();
  const failed = (history.events ?? []).filter(
    (e) => e.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  );
  const why = failed[0]?.workflowTaskFailedEventAttributes?.failure?.message ?? '';
  check(
    scenario,
    'mutex: a request with a bogus run id neither fails a workflow task nor blocks the next waiter',
    failed.length === 0 && tokens.length === 1,
    `${failed.length} failed workflow tasks${why ? ` (${why.slice(0, 160)})` : ''}; next waiter ${tokens.length === 1 ? 'granted' : `not granted: ${error}`}`,
  );
}

main().catch((err: unknown) => {
  console.error(explainFailure(err));
  const passed = checks.filter((c) => c.ok).length;
  console.log(`${passed} passed, ${checks.length - passed + 1} failed`);
  process.exit(1);
});
