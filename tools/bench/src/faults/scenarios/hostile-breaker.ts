// Hostile input to a circuit breaker: 100 KiB ids, senders and reasons, an unsubscribe of an unknown
// workflow, and success reports holding forged probe permits while the breaker is half-open. Each is
// refused (logged, or ignored without effect), the breaker keeps running, and it still counts the real
// reports and operator commands that follow.
import { randomUUID } from 'node:crypto';
import {
  circuitBreakerForceSignal,
  circuitBreakerInspectQuery,
  circuitBreakerReportBatchSignal,
  circuitBreakerReportSignal,
  circuitBreakerSubscribeSignal,
  circuitBreakerUnsubscribeSignal,
} from '@temporal-patterns/circuit-breaker/definitions';
import { circuitBreakerWorkflowId, startCircuitBreaker } from '@temporal-patterns/circuit-breaker/client';
import { sleep } from '../../common.js';
import type { TemporalStack } from '../../temporal-stack.js';
import { checkNoTaskFailed, huge, pollFor, waitForRefusals } from '../hostile.js';
import type { FaultSuite } from '../suite.js';

const scenario = 'hostile-breaker';

export async function hostileBreaker(
  { checks }: FaultSuite,
  { client, worker, taskQueue }: TemporalStack,
): Promise<void> {
  const dependency = `hostile-${randomUUID().slice(0, 8)}`;
  const breaker = await startCircuitBreaker(client, {
    dependency,
    taskQueue,
    options: { failureThreshold: 2, cooldown: '1s', successThreshold: 1 },
  });
  const workflowId = circuitBreakerWorkflowId(dependency);
  const inspect = () => breaker.query(circuitBreakerInspectQuery);
  const since = worker.logs.length;
  const oversized: Array<[string, unknown]> = [
    [circuitBreakerReportSignal.name, { outcome: 'failure', reportId: huge('report') }],
    [circuitBreakerReportSignal.name, { outcome: 'failure', sender: huge('sender') }],
    [circuitBreakerReportSignal.name, { outcome: 'failure', permitId: huge('permit') }],
    [
      circuitBreakerReportBatchSignal.name,
      { batchId: huge('batch'), runs: [{ outcome: 'failure', count: 5 }] },
    ],
    [
      circuitBreakerReportBatchSignal.name,
      { batchId: randomUUID(), sender: huge('sender'), runs: [{ outcome: 'failure', count: 5 }] },
    ],
    [circuitBreakerSubscribeSignal.name, { workflowId: huge('subscriber') }],
    [circuitBreakerForceSignal.name, { mode: 'open', reason: huge('reason') }],
    [circuitBreakerForceSignal.name, { mode: 'open', sender: huge('operator') }],
  ];
  for (const [name, payload] of oversized) await breaker.signal(name, payload);
  await breaker.signal(circuitBreakerUnsubscribeSignal.name, { workflowId: 'never-subscribed' });
  const refusals = await waitForRefusals(worker, since, workflowId, oversized.length);
  const closed = await inspect();
  checks.check(
    scenario,
    'each 100 KiB id, sender or reason refused and logged; none counted or applied',
    refusals.length >= oversized.length &&
      closed.state === 'closed' &&
      closed.totals.failures === 0 &&
      closed.subscribers.length === 0,
    `${refusals.length} refusals logged for ${oversized.length} oversized inputs; state ${closed.state}, ` +
      `${closed.totals.failures} failures counted, ${closed.subscribers.length} subscribers`,
  );
  // Real failures open it; after the 1 s cooldown it is half-open and waits for a probe nobody was given.
  for (let i = 0; i < 2; i++)
    await breaker.signal(circuitBreakerReportSignal.name, { outcome: 'failure', reportId: randomUUID() });
  const opened = await pollFor(inspect, (s) => s.totals.opened === 1);
  await sleep(1500);
  // A signal wakes the breaker so it notices the cooldown is over (reading it with a query is not enough).
  await breaker.signal(circuitBreakerUnsubscribeSignal.name, { workflowId: 'never-subscribed' });
  const halfOpen = await pollFor(inspect, (s) => s.state === 'half-open', 10_000);
  const forged = [
    [
      circuitBreakerReportSignal.name,
      { outcome: 'success', reportId: randomUUID(), permitId: 'forged-permit' },
    ],
    [
      circuitBreakerReportBatchSignal.name,
      { batchId: randomUUID(), runs: [{ outcome: 'success', count: 1, permitId: 'forged-permit-2' }] },
    ],
  ] as const;
  const before = halfOpen.totals;
  for (const [name, payload] of forged) await breaker.signal(name, payload);
  // Both reports are taken once the breaker has handled a later signal: a query answers after that.
  await breaker.signal(circuitBreakerUnsubscribeSignal.name, { workflowId: 'never-subscribed' });
  await sleep(500);
  const afterForged = await inspect();
  const counted = afterForged.totals.successes - before.successes;
  checks.check(
    scenario,
    'success reports with forged probe permits do not close a half-open breaker',
    opened.totals.opened === 1 &&
      halfOpen.state === 'half-open' &&
      afterForged.state !== 'closed' &&
      counted === 0,
    halfOpen.state !== 'half-open'
      ? `the breaker did not turn half-open (state ${halfOpen.state}, opened ${opened.totals.opened} times)`
      : `state after the forged reports: ${afterForged.state} (${counted} forged successes counted; last transition: ${afterForged.transitions.at(-1)?.reason ?? 'none'})`,
  );
  // The operator's and the dependents' real inputs still work.
  await breaker.signal(circuitBreakerForceSignal.name, {
    mode: 'closed',
    reason: 'fault suite',
    sender: 'operator',
  });
  await pollFor(inspect, (s) => s.state === 'closed', 10_000);
  for (let i = 0; i < 2; i++)
    await breaker.signal(circuitBreakerReportSignal.name, { outcome: 'failure', reportId: randomUUID() });
  const reopened = await pollFor(
    inspect,
    (s) => s.totals.opened >= opened.totals.opened + 1 && s.state === 'open',
    10_000,
  );
  checks.check(
    scenario,
    'valid work not lost: an operator closes it and two real failures open it again',
    reopened.state === 'open' && reopened.totals.opened >= 2,
    `state ${reopened.state}, opened ${reopened.totals.opened} times, ${reopened.totals.failures} failures counted`,
  );
  await checkNoTaskFailed(
    checks,
    scenario,
    'breaker still running, no workflow task failed by its code',
    client,
    [workflowId],
    {
      running: true,
    },
  );
  await breaker.terminate('fault suite done').catch(() => undefined);
}
