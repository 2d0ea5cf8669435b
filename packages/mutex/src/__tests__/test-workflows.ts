// Fixture workflows for this package's tests (not part of the published entries).
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import { setTypedHandler } from '@temporal-patterns/signal-utils';
import { mutexLockGrantedSignal, type LockGrant } from '../definitions.js';
import {
  acquireLock,
  releaseLock,
  withLock,
  type AcquireOptions,
  type LockLease,
  type ReleasedInActivity,
} from '../index.js';

export { mutexWorkflow } from '../index.js';

export interface CriticalSectionActivities {
  enterCriticalSection(input: {
    resourceId: string;
    workflowId: string;
    fencingToken: number;
    holdMs: number;
  }): Promise<void>;
}

const { enterCriticalSection } = proxyActivities<CriticalSectionActivities>({ startToCloseTimeout: '30s' });

export interface WorkerInput extends Omit<AcquireOptions, 'timeout'> {
  resourceId: string;
  workflowId: string;
  timeoutMs: number;
  holdMs: number;
}

function failureName(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.type ?? err.name;
  throw err;
}

/** Takes the lock, runs the recorded critical section, releases; reports a timeout as data. */
export async function exclusiveWorker(
  input: WorkerInput,
): Promise<{ fencingToken: number } | { error: string }> {
  const { resourceId, workflowId, timeoutMs, holdMs, ...options } = input;
  try {
    return await withLock(resourceId, { ...options, timeout: timeoutMs }, async (lease) => {
      await enterCriticalSection({ resourceId, workflowId, fencingToken: lease.fencingToken, holdMs });
      return { fencingToken: lease.fencingToken };
    });
  } catch (err) {
    return { error: failureName(err) };
  }
}

export const leaseQuery = defineQuery<LockLease | undefined>('test.lease');
export const releaseNowSignal = defineSignal('test.release-now');

/** Holds the lock until told to release (the release may come after the lease ran out). */
export async function holdUntilSignalled(
  resourceId: string,
  options: Omit<AcquireOptions, 'timeout'> & { timeoutMs: number },
): Promise<number> {
  let lease: LockLease | undefined;
  let releaseNow = false;
  setHandler(leaseQuery, () => lease);
  setHandler(releaseNowSignal, () => void (releaseNow = true));
  lease = await acquireLock(resourceId, { ...options, timeout: options.timeoutMs });
  await condition(() => releaseNow);
  await releaseLock(lease);
  return lease.fencingToken;
}

/** Holds locks on two resources at once. */
export async function holdTwoLocks(first: string, second: string): Promise<LockLease[]> {
  let releaseNow = false;
  let b: LockLease | undefined;
  setHandler(releaseNowSignal, () => void (releaseNow = true));
  setHandler(leaseQuery, () => b);
  const a = await acquireLock(first, { timeout: '10s' });
  b = await acquireLock(second, { timeout: '10s' });
  await condition(() => releaseNow);
  await releaseLock(b);
  await releaseLock(a);
  return [a, b];
}

export const grantsQuery = defineQuery<LockGrant[]>('test.grants');

/** Records every grant it receives, without asking for any: stands in for a requester in wire-level tests. */
export async function grantCollector(): Promise<LockGrant[]> {
  const grants: LockGrant[] = [];
  setTypedHandler(mutexLockGrantedSignal, (grant) => void grants.push(grant));
  setHandler(grantsQuery, () => grants);
  let releaseNow = false;
  setHandler(releaseNowSignal, () => void (releaseNow = true));
  await condition(() => releaseNow);
  return grants;
}

export interface ArticleActivities {
  modifySharedResource(resourceId: string): Promise<string>;
  notifyCompletion(result: string): Promise<void>;
}

const article = proxyActivities<ArticleActivities>({ startToCloseTimeout: '30s' });

/** The article's ExclusiveResourceWorkflow: acquire with a 30-second timeout, work, notify, always release. */
export async function exclusiveResourceWorkflow(resourceId: string): Promise<string> {
  return withLock(resourceId, { timeout: '30s' }, async () => {
    const result = await article.modifySharedResource(resourceId);
    await article.notifyCompletion(result);
    return result;
  });
}

/** Holds the lock inside withLock while its body throws. */
export async function withLockBodyThrows(resourceId: string): Promise<void> {
  await withLock(resourceId, { timeout: '10s' }, async () => {
    throw ApplicationFailure.nonRetryable('the protected work failed', 'WorkFailed');
  });
}

/** Holds the lock inside withLock until the workflow is cancelled. */
export async function withLockUntilCancelled(resourceId: string): Promise<void> {
  let lease: LockLease | undefined;
  setHandler(leaseQuery, () => lease);
  await withLock(resourceId, { timeout: '10s' }, async (granted) => {
    lease = granted;
    await condition(() => false);
  });
}

export interface ReleasingActivities {
  /** Enters the section and releases the lease itself (`MutexClient.releaseAfter`); fails when `fail`. */
  enterAndRelease(input: {
    resourceId: string;
    workflowId: string;
    lease: LockLease;
    fail?: boolean;
  }): Promise<ReleasedInActivity<number>>;
}

const { enterAndRelease } = proxyActivities<ReleasingActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 1 },
});

/** withLock around an activity that releases the lease itself; returns its token or the failure's type. */
export async function releasingWorker(
  resourceId: string,
  workflowId: string,
  fail = false,
): Promise<number | string> {
  try {
    const released = await withLock(resourceId, { timeout: '30s' }, (lease) =>
      enterAndRelease({ resourceId, workflowId, lease, fail }),
    );
    return released.value;
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)
      return err.cause.type ?? 'unknown';
    throw err;
  }
}

/** Asks for two locks at once and holds both until told to release: the grants may come in either order. */
export async function holdTwoLocksAtOnce(first: string, second: string): Promise<LockLease[]> {
  let releaseNow = false;
  let leases: LockLease[] | undefined;
  setHandler(releaseNowSignal, () => void (releaseNow = true));
  setHandler(twoLeasesQuery, () => leases);
  leases = await Promise.all([
    acquireLock(first, { timeout: '30s' }),
    acquireLock(second, { timeout: '30s' }),
  ]);
  await condition(() => releaseNow);
  for (const lease of leases) await releaseLock(lease);
  return leases;
}

export const twoLeasesQuery = defineQuery<LockLease[] | undefined>('test.two-leases');

/** Holds the lock with `autoRenew` until told to release. */
export async function holdWithRenewal(resourceId: string, leaseMs: number): Promise<void> {
  let releaseNow = false;
  let current: LockLease | undefined;
  setHandler(releaseNowSignal, () => void (releaseNow = true));
  setHandler(leaseQuery, () => current);
  await withLock(resourceId, { timeout: '30s', lease: leaseMs, autoRenew: true }, async (lease) => {
    current = lease;
    await condition(() => releaseNow);
  });
}
