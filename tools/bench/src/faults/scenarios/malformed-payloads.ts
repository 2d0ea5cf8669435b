// Scenario 4: payloads that each pattern's own validator rejects, sent in bursts to a running mutex,
// circuit breaker, fan-out parent and child, pipeline run and stage. None may fail, each is logged.
import type { Client } from '@temporalio/client';
import { pool, progress, sleep } from '../../common.js';
import type { WorkerProcess } from '../../processes.js';
import type { TemporalStack } from '../../temporal-stack.js';
import { contender } from '../../workflows.js';
import type { CheckList } from '../checks.js';
import { taskFailuresByFault } from '../failed-tasks.js';
import { malformedShapes, rejectedBy } from '../malformed-shapes.js';
import { startMalformedTargets, type Target } from '../malformed-targets.js';
import type { FaultSuite } from '../suite.js';
import { bogusRunId } from './bogus-run-id.js';

const scenario = 'malformed-payloads';

/** Waits (bounded) until a workflow exists. */
async function waitUntilStarted(client: Client, workflowId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then(
        () => true,
        () => false,
      );
    if (ok) break;
    await sleep(200);
  }
}

/** Sends `count` malformed signals to one target and checks it kept running and logged each rejection. */
async function attack(
  client: Client,
  worker: WorkerProcess,
  checks: CheckList,
  target: Target,
  count: number,
): Promise<void> {
  const handle = client.workflow.getHandle(target.workflowId);
  // Keep only payloads the pattern's own validator rejects (a near-miss can be valid, e.g. a lease of 42).
  const sends = target.signals.flatMap((s) => {
    const rejected = malformedShapes(200, s.valid).filter((args) => rejectedBy(s.signal, args));
    return Array.from({ length: Math.ceil(count / target.signals.length) }, (_, i) => ({
      name: s.signal.name,
      args: rejected[i % rejected.length] as unknown[],
    }));
  });
  // A started-ahead child must exist: it waits for its start signal.
  if (target.startedAhead) await waitUntilStarted(client, target.workflowId);
  const before = worker.logs.length;
  const t0 = Date.now();
  await pool(sends.slice(0, count), 20, ({ name, args }) => handle.signal(name, ...args));
  const sent = Math.min(sends.length, count);
  progress(`${scenario}: ${sent} malformed signals sent to ${target.pattern} in ${Date.now() - t0} ms`);
  // Rejections are logged as the workflow processes them: wait until all are in (bounded).
  const rejections = (): number =>
    worker.logs
      .slice(before)
      .filter((l) => l.workflowId === target.workflowId && l.message.startsWith('Rejected malformed payload'))
      .length;
  const deadline = Date.now() + 60_000;
  while (rejections() < sent && Date.now() < deadline) await sleep(200);
  const description = await handle.describe();
  // Tasks the server force-closed under the burst are retried and handle the same signals again.
  const { workflows: workflowsFault, server: serverForced } = await taskFailuresByFault(handle);
  const causes = [...workflowsFault, ...serverForced];
  checks.check(
    scenario,
    `${target.pattern}: still running, no workflow task failed by the workflow's code`,
    description.status.name === 'RUNNING' && workflowsFault.length === 0,
    `status ${description.status.name}; ${workflowsFault.length} task failures from the workflow` +
      (workflowsFault[0] ? ` (first: ${workflowsFault[0].slice(0, 300)})` : '') +
      `; ${serverForced.length} tasks force-closed by the server under the burst and retried`,
  );
  checks.facts[`${scenario}-${target.pattern}`] = {
    sent,
    rejectionLogLines: rejections(),
    taskFailures: causes,
  };
  checks.check(
    scenario,
    `${target.pattern}: each rejection logged`,
    serverForced.length === 0 ? rejections() === sent : rejections() >= sent,
    `${rejections()} rejection log lines for ${sent} malformed signals` +
      (serverForced.length
        ? ' (a retried task logs its signals again, so at least as many lines as signals)'
        : ''),
  );
}

export async function malformedPayloads(
  suite: FaultSuite,
  { client, worker, taskQueue }: TemporalStack,
): Promise<void> {
  const { params, checks } = suite;
  const { targets, resourceId, stop } = await startMalformedTargets(client, taskQueue);
  for (const target of targets) await attack(client, worker, checks, target, params.malformed);
  await stop();
  // The mutex still serves after the garbage.
  const after = await client.workflow.execute(contender, {
    taskQueue,
    workflowId: `${resourceId}-after`,
    args: [{ resourceId, cycles: 2, holdMs: 0, leaseMs: 10_000, timeoutMs: 30_000 }],
  });
  checks.check(
    scenario,
    'mutex: grants locks after the garbage',
    after.tokens.length === 2,
    `tokens ${after.tokens.join(', ')}`,
  );
  await bogusRunId(suite, client, taskQueue);
}
