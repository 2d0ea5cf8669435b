// Scenario 3: a holder with a 3 s lease is terminated while a waiter waits; its lock comes back within
// the lease plus a small margin.
import { randomUUID } from 'node:crypto';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { mutexStateQuery } from '@temporal-patterns/mutex/definitions';
import { sleep } from '../../common.js';
import type { TemporalStack } from '../../temporal-stack.js';
import { contender, stuckHolder } from '../../workflows.js';
import type { FaultSuite } from '../suite.js';

export async function terminatedHolder(
  { store, checks }: FaultSuite,
  { client, taskQueue }: TemporalStack,
): Promise<void> {
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
    checks.check(scenario, 'lock freed after the lease', false, 'holder or waiter section missing');
    return;
  }
  const freedAfterGrant = Math.round(next.enteredAt - held.grantedAt);
  const lateBy = Math.round(next.enteredAt - held.leaseExpiresAt);
  checks.facts[scenario] = { leaseMs, marginMs, freedAfterGrantMs: freedAfterGrant, lateByMs: lateBy };
  checks.check(
    scenario,
    'waiter granted after the termination and no later than the lease end + margin',
    next.enteredAt <= held.leaseExpiresAt + marginMs &&
      next.enteredAt >= Math.min(terminatedAt, held.leaseExpiresAt) - 50,
    `lease ${leaseMs} ms; waiter entered ${freedAfterGrant} ms after the grant (${lateBy} ms after the lease ran out; margin ${marginMs} ms)`,
  );
  checks.check(
    scenario,
    'waiter token higher than the terminated holder',
    next.fencingToken > held.fencingToken &&
      store.violations.filter((v) => v.resourceId === resourceId).length === 0,
    `${held.fencingToken} → ${next.fencingToken}`,
  );
}
