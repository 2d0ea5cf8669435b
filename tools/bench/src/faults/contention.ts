// Contenders for one lock while faults are injected, and the checks that the lock held: every contender
// finished, no request was lost, and never were two holders inside at once.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { pool, progress, sleep } from '../common.js';
import { startMutex } from '../start-mutex.js';
import { contender, type ContenderInput } from '../workflows.js';
import { FAULT_MUTEX } from './options.js';
import type { FaultSuite } from './suite.js';

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

export interface Contention {
  client: Client;
  taskQueue: string;
  scenario: string;
  /**
   * Runs while the contenders run and calls `injected` after each fault; returns how many it injected.
   * The contenders cannot finish before `minFaults` faults: the store holds them inside their critical
   * section until then.
   */
  chaos: (done: () => boolean, injected: () => void) => Promise<number>;
  minFaults: number;
}

/** Runs the contenders with `chaos` beside them, then records the scenario's facts and checks. */
export async function contention(
  { params, store, checks }: FaultSuite,
  { client, taskQueue, scenario, chaos, minFaults }: Contention,
): Promise<void> {
  const resourceId = `${scenario}-${randomUUID().slice(0, 8)}`;
  const deadline = Date.now() + params.deadlineMs;
  await retrying(() => startMutex(client, taskQueue, resourceId, FAULT_MUTEX), deadline);
  // A few sections go through, then the faults happen with holders inside and waiters queued.
  store.holdAfter(resourceId, 3);
  let injected = 0;
  const faultInjected = (): void => {
    injected++;
    if (injected >= minFaults) store.openGate(resourceId);
  };
  const input: ContenderInput = {
    resourceId,
    cycles: params.cycles,
    holdMs: 20,
    leaseMs: 120_000,
    timeoutMs: params.deadlineMs * 2,
  };
  const handles = await pool(
    Array.from({ length: params.contenders }, (_, i) => i),
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
  progress(`${scenario}: ${params.contenders} contenders started on ${resourceId}`);
  let finished = 0;
  const results = Promise.allSettled(
    handles.map((h) =>
      resultOf<{ tokens: number[]; rejected: number }>(h, deadline).finally(() => {
        finished++;
      }),
    ),
  );
  const faults = await chaos(() => {
    // Past the deadline nothing is held: the checks below then report what did not happen.
    if (Date.now() > deadline) store.openGate(resourceId);
    return finished === handles.length || Date.now() > deadline;
  }, faultInjected);
  store.openGate(resourceId);
  const settled = await results;
  const ok = settled.filter((r) => r.status === 'fulfilled') as Array<
    PromiseFulfilledResult<{ tokens: number[]; rejected: number }>
  >;
  const tokens = ok.flatMap((r) => r.value.tokens);
  const sections = store.sections(resourceId);
  const violations = store.violations.filter((v) => v.resourceId === resourceId);
  const expected = params.contenders * params.cycles;
  checks.facts[scenario] = {
    resourceId,
    faults,
    contenders: params.contenders,
    cycles: params.cycles,
    sections: sections.length,
  };
  checks.check(scenario, 'faults injected', faults >= minFaults, `${faults} (at least ${minFaults} wanted)`);
  checks.check(
    scenario,
    'every contender finished',
    ok.length === handles.length,
    `${ok.length}/${handles.length} finished` +
      (ok.length < handles.length
        ? `; first error: ${String((settled.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined)?.reason).slice(0, 200)}`
        : ''),
  );
  checks.check(
    scenario,
    'no request lost: one grant per cycle, all tokens distinct',
    tokens.length === expected && new Set(tokens).size === expected && sections.length === expected,
    `${tokens.length} grants returned, ${new Set(tokens).size} distinct tokens, ${sections.length} critical sections recorded, ${expected} expected`,
  );
  checks.check(
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
