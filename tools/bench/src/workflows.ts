// Workflows the benchmarks and the fault suite run. Workflow-safe: bundled for the workers.
import {
  condition,
  continueAsNew,
  defineSignal,
  defineUpdate,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { runFanoutChild } from '@temporal-patterns/fanout';
import {
  acquireLock,
  releaseLock,
  withLock,
  type LockLease,
  type ReleasedInActivity,
} from '@temporal-patterns/mutex';

export { mutexWorkflow } from '@temporal-patterns/mutex';
export { circuitBreakerWorkflow } from '@temporal-patterns/circuit-breaker';
export { fanoutWorkflow } from '@temporal-patterns/fanout';
export { pipelineRunWorkflow, pipelineStageWorkflow } from '@temporal-patterns/pipeline';

/** Activities the bench worker provides (see worker-process.ts). */
export interface BenchActivities {
  /** Enters the protected section with a fencing token; the store (outside workflows) timestamps and checks it. */
  benchCriticalSection(input: {
    resourceId: string;
    holder: string;
    fencingToken: number;
    holdMs: number;
  }): Promise<{ accepted: boolean }>;
  /** The same section, then the lease released from the activity (`MutexClient.releaseAfter`). */
  benchCriticalSectionReleasing(input: {
    resourceId: string;
    holder: string;
    holdMs: number;
    lease: LockLease;
  }): Promise<ReleasedInActivity<{ accepted: boolean }>>;
  /**
   * The whole lock cycle in the activity: `MutexClient.withLock` around the same section, so the grant
   * reaches the waiting activity as its update's result, with no workflow task on the handoff path.
   */
  benchSectionLockedByClient(input: {
    resourceId: string;
    holder: string;
    holdMs: number;
    timeoutMs: number;
  }): Promise<{ accepted: boolean }>;
  /** Records a timestamp in the store (driver clock). */
  benchStamp(input: { key: string; label: string }): Promise<void>;
}

const retry = { initialInterval: '200ms', backoffCoefficient: 1.5, maximumInterval: '2 seconds' } as const;
const acts = proxyActivities<BenchActivities>({ startToCloseTimeout: '10 seconds', retry });

// An activity that waits for a lock may wait as long as its acquire's timeout.
const lockingActs = proxyActivities<BenchActivities>({ startToCloseTimeout: '15 minutes', retry });

export const stopSignal = defineSignal('bench.stop');

export interface ContenderInput {
  resourceId: string;
  cycles: number;
  holdMs: number;
  leaseMs: number;
  timeoutMs: number;
  /** Send requests as plain signals to a mutex the driver started (no signal-with-start activity). */
  preStarted?: boolean;
  /** The protected activity releases the lease itself (`MutexClient.releaseAfter`). */
  releaseInActivity?: boolean;
  maxHistoryEvents?: number;
}

/** Takes the lock `cycles` times (or until told to stop), running the recorded critical section each time. */
export async function contender(input: ContenderInput): Promise<{ tokens: number[]; rejected: number }> {
  let stop = false;
  setHandler(stopSignal, () => void (stop = true));
  const tokens: number[] = [];
  let rejected = 0;
  const holder = workflowInfo().workflowId;
  for (let i = 0; i < input.cycles && !stop; i++) {
    await withLock(
      input.resourceId,
      {
        timeout: input.timeoutMs,
        lease: input.leaseMs,
        createOnDemand: !input.preStarted,
        maxHistoryEvents: input.maxHistoryEvents,
      },
      async (lease) => {
        const section = { resourceId: input.resourceId, holder, holdMs: input.holdMs };
        const result = input.releaseInActivity
          ? await acts.benchCriticalSectionReleasing({ ...section, lease })
          : {
              value: await acts.benchCriticalSection({ ...section, fencingToken: lease.fencingToken }),
            };
        tokens.push(lease.fencingToken);
        if (!result.value.accepted) rejected++;
        return result;
      },
    );
  }
  return { tokens, rejected };
}

/** Takes the lock `cycles` times from its activity (`MutexClient.withLock`), as `contender` does from the workflow. */
export async function activityLockContender(input: {
  resourceId: string;
  cycles: number;
  holdMs: number;
  timeoutMs: number;
}): Promise<{ rejected: number }> {
  const holder = workflowInfo().workflowId;
  let rejected = 0;
  for (let i = 0; i < input.cycles; i++) {
    const { accepted } = await lockingActs.benchSectionLockedByClient({
      resourceId: input.resourceId,
      holder,
      holdMs: input.holdMs,
      timeoutMs: input.timeoutMs,
    });
    if (!accepted) rejected++;
  }
  return { rejected };
}

export interface CyclerInput {
  resourceId: string;
  cycles: number;
  /** Continue as new after this many cycles (a requester must not continue as new while waiting or holding). */
  cyclesPerRun: number;
  done?: number;
  lastToken?: number;
  outOfOrder?: number;
}

/** Bare lock cycles by plain signals (acquire, release, nothing in between): the load of the 10,000-cycle run. */
export async function cycler(
  input: CyclerInput,
): Promise<{ cycles: number; lastToken: number; outOfOrder: number }> {
  let done = input.done ?? 0;
  let lastToken = input.lastToken ?? 0;
  let outOfOrder = input.outOfOrder ?? 0;
  for (let i = 0; i < input.cyclesPerRun && done < input.cycles; i++) {
    const lease = await acquireLock(input.resourceId, { timeout: '10 minutes', createOnDemand: false });
    if (lease.fencingToken <= lastToken) outOfOrder++;
    lastToken = lease.fencingToken;
    await releaseLock(lease);
    done++;
  }
  if (done < input.cycles) {
    return continueAsNew<typeof cycler>({ ...input, done, lastToken, outOfOrder });
  }
  return { cycles: done, lastToken, outOfOrder };
}

/** Waits (by plain signal) for a lock that somebody else holds; used for the blocked-workflow memory check. */
export async function blockedWaiter(resourceId: string): Promise<number> {
  const lease = await acquireLock(resourceId, { timeout: '1 hour', createOnDemand: false });
  await releaseLock(lease);
  return lease.fencingToken;
}

/** Takes the lock with a lease, enters the critical section, then never releases (it gets terminated). */
export async function stuckHolder(resourceId: string, leaseMs: number): Promise<never> {
  const lease = await acquireLock(resourceId, { timeout: '1 minute', lease: leaseMs });
  await acts.benchCriticalSection({
    resourceId,
    holder: workflowInfo().workflowId,
    fencingToken: lease.fencingToken,
    holdMs: 0,
  });
  await condition(() => false);
  throw new Error('unreachable');
}

export const echoUpdate = defineUpdate<number, [number]>('bench.echo');
export const pingSignal = defineSignal<[number]>('bench.ping');
export const pongSignal = defineSignal<[number]>('bench.pong');

/** The floor: answers an update (request in, reply out, one workflow task) until told to stop. */
export async function updateEcho(): Promise<void> {
  let stop = false;
  setHandler(echoUpdate, (n) => n);
  setHandler(stopSignal, () => void (stop = true));
  await condition(() => stop);
}

/** Signals back every ping it gets: the other end of the signal relay. */
export async function signalEcho(): Promise<void> {
  let stop = false;
  const pings: Array<{ from: string; n: number }> = [];
  setHandler(pingSignal, (n) => void pings.push({ from: '', n }));
  setHandler(stopSignal, () => void (stop = true));
  const peer = workflowInfo().workflowId.replace(/-echo$/, '-pinger');
  for (;;) {
    await condition(() => stop || pings.length > 0);
    if (stop) return;
    const ping = pings.shift() as { n: number };
    await getExternalWorkflowHandle(peer).signal(pongSignal, ping.n);
  }
}

/**
 * The floor as a lock handoff sees it: an activity ends, a signal goes to another workflow, its reply
 * comes back, the next activity starts. The driver measures the gap between the two stamps.
 */
export async function signalPinger(rounds: number): Promise<void> {
  let pong = -1;
  setHandler(pongSignal, (n) => void (pong = n));
  const echo = getExternalWorkflowHandle(workflowInfo().workflowId.replace(/-pinger$/, '-echo'));
  const key = workflowInfo().workflowId;
  for (let i = 0; i < rounds; i++) {
    await acts.benchStamp({ key, label: `out-${i}` });
    await echo.signal(pingSignal, i);
    await condition(() => pong === i);
    await acts.benchStamp({ key, label: `in-${i}` });
  }
}

/** A child that does nothing but finish: the unit of the fanout baseline. */
export async function noopChild(): Promise<void> {
  await sleep(1);
}

/** The fanout baseline: start `count` children with executeChild and wait for all with Promise.all. */
export async function plainFanout(count: number, batch: number): Promise<number> {
  let done = 0;
  const ids = Array.from({ length: count }, (_, i) => `${workflowInfo().workflowId}-c${i}`);
  for (let i = 0; i < ids.length; i += batch) {
    await Promise.all(
      ids.slice(i, i + batch).map((workflowId) => executeChild(noopChild, { workflowId }).then(() => done++)),
    );
  }
  return done;
}

/** A fan-out child that does nothing but report: the unit of the fanoutWorkflow measurement. */
export async function fanoutBenchChild(): Promise<void> {
  await runFanoutChild(async () => ({ value: 1 }));
}

/** A fan-out child that never finishes its work: keeps a fan-out running for the malformed-payload checks. */
export async function blockingFanoutChild(): Promise<void> {
  await runFanoutChild(async () => {
    await condition(() => false);
  });
}

export { articleContender, articleMutexWorkflow } from './article-mutex.js';
