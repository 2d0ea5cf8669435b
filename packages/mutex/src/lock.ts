import type { ActivityOptions, Duration } from '@temporalio/common';
import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ExternalWorkflowNotFoundError,
  setTypedHandler,
  signalWorkflow,
} from '@temporal-patterns/signal-utils';
import {
  mutexLockGrantedSignal,
  mutexLockRefusedSignal,
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexRenewSignal,
  mutexWithdrawSignal,
  type LockGrant,
  type LockRequest,
} from './definitions.js';
import {
  InvalidMutexOptionsError,
  LockQueueFullError,
  LockTimeoutError,
  MutexUnavailableError,
} from './errors.js';
import { validateMutexLimits, type MutexWorkflowInput } from './mutex-workflow.js';
import { durationToMs as toMs } from '@temporal-patterns/signal-utils/pattern-kit';

/** Input of the `mutexRequestLock` activity: signal-with-start of the mutex workflow. */
export interface RequestLockActivityInput {
  mutexWorkflowId: string;
  /** Task queue of the worker that runs `mutexWorkflow`. */
  taskQueue: string;
  /** Arguments used only when the mutex workflow has to be started. */
  workflowInput: MutexWorkflowInput;
  request: LockRequest;
}

/** Input of the `mutexDeliverGrant` local activity: the grant and the requester run it goes to. */
export interface DeliverGrantActivityInput {
  workflowId: string;
  runId: string;
  grant: LockGrant;
}

/** The activities the mutex package provides to workers (`createMutexActivities(client)`). */
export interface MutexActivities {
  mutexRequestLock(input: RequestLockActivityInput): Promise<void>;
  /**
   * Signals a grant to its requester from the mutex's worker, as a local activity of the mutex: the grant
   * leaves while the mutex's task runs, and no acknowledgement task follows. `'gone'` when the requester
   * has closed.
   */
  mutexDeliverGrant(input: DeliverGrantActivityInput): Promise<'delivered' | 'gone'>;
}

/** The default prefix of mutex workflow ids: `mutex-<resourceId>`. */
export const DEFAULT_MUTEX_ID_PREFIX = 'mutex-';

/** Options of {@link acquireLock}: how long to wait and hold, and how to reach (or start) the mutex. */
export interface AcquireOptions {
  /** How long to wait for the grant. Required: a wait without a timeout can block forever. */
  timeout: Duration;
  /** How long the grant holds unless renewed; a holder that crashes loses the lock after it. Defaults to 5 minutes. */
  lease?: Duration;
  /** Prefix of the mutex workflow id. Defaults to `mutex-`. */
  workflowIdPrefix?: string;
  /** Task queue of the worker running `mutexWorkflow`. Defaults to this workflow's task queue. */
  mutexTaskQueue?: string;
  /**
   * Start the mutex workflow when it is not running, through the `mutexRequestLock` activity
   * (register `createMutexActivities(client)` on the worker). A running mutex always gets a plain signal;
   * the activity runs only when that signal finds no mutex. When false, a missing mutex rejects with
   * `MutexUnavailableError`. Defaults to true.
   */
  createOnDemand?: boolean;
  /** Permits of the mutex when this call starts it: 1 is a mutex, N a semaphore. Defaults to 1. */
  permits?: number;
  /** Idle time after which a started mutex completes. Defaults to 10 minutes. */
  idleTimeout?: Duration;
  /**
   * Continue-as-new threshold for a started mutex, in history events (an integer ≥ 20). Defaults to the
   * server's suggestion.
   */
  maxHistoryEvents?: number;
  /** `maxQueueLength` of a mutex this call starts (see `MutexWorkflowInput`). Defaults to 1,000. */
  maxQueueLength?: number;
  /** `grantsByLocalActivity` of a mutex this call starts (see `MutexWorkflowInput`). Defaults to false. */
  grantsByLocalActivity?: boolean;
  /** Options of the `mutexRequestLock` activity. Defaults to a 30-second start-to-close timeout. */
  activityOptions?: ActivityOptions;
}

/** A granted lock: pass `fencingToken` to the protected system; keep the lease for release and renewal. */
export interface LockLease {
  resourceId: string;
  mutexWorkflowId: string;
  requestId: string;
  /** Strictly increasing per resource. */
  fencingToken: number;
  /** Authenticates release and renewal of this grant. */
  grantToken: string;
  /** Epoch ms (workflow time) when the lease runs out unless renewed. */
  leaseExpiresAt: number;
}

interface PendingRequest {
  mutexWorkflowId: string;
  grant?: LockGrant;
  /** The queue cap, set when the mutex refused the request (its queue was full): it was never queued. */
  refusedAtCap?: number;
  abandoned: boolean;
}

interface RequesterState {
  pending: Map<string, PendingRequest>;
  grantHandlerInstalled: boolean;
}

// Module state is per workflow execution: the SDK evaluates workflow modules once per execution.
const requesterState: RequesterState = { pending: new Map(), grantHandlerInstalled: false };

function installGrantHandler(): void {
  if (requesterState.grantHandlerInstalled) return;
  requesterState.grantHandlerInstalled = true;
  const { pending } = requesterState;
  // One handler for every lock this workflow asks for: grants are routed by request id, so a workflow
  // holding several locks never confuses them.
  setTypedHandler(mutexLockGrantedSignal, async (grant) => {
    const entry = pending.get(grant.requestId);
    if (entry && !entry.abandoned) {
      entry.grant ??= grant;
      return;
    }
    // Granted after we gave up (or never asked): hand it straight back so nobody holds it for nothing.
    const mutexWorkflowId = entry?.mutexWorkflowId;
    log.info('Grant for an abandoned request released', {
      resourceId: grant.resourceId,
      requestId: grant.requestId,
    });
    if (!mutexWorkflowId) return;
    pending.delete(grant.requestId);
    await signalWorkflow(mutexWorkflowId, mutexReleaseSignal, {
      requestId: grant.requestId,
      grantToken: grant.grantToken,
      sender: workflowInfo().workflowId,
    }).catch(() => undefined);
  });
  setTypedHandler(mutexLockRefusedSignal, (refusal) => {
    const entry = pending.get(refusal.requestId);
    if (entry && entry.grant === undefined) entry.refusedAtCap = refusal.maxQueueLength;
  });
}

/** The mutex workflow id for a resource. */
export function mutexWorkflowId(resourceId: string, prefix = DEFAULT_MUTEX_ID_PREFIX): string {
  return `${prefix}${resourceId}`;
}

/**
 * Acquires the lock on `resourceId` from inside a workflow: queues a request (FIFO) with the resource's
 * mutex workflow, starting it on demand, and waits for the grant.
 *
 * Rejects with `LockTimeoutError` after `timeout`; the request is then withdrawn and will never be granted
 * (a grant that crosses the withdrawal is released at once). Cancellation withdraws it too.
 *
 * @example
 * const lease = await acquireLock('account-42', { timeout: '30s', lease: '2 minutes' });
 * try {
 *   await debit({ accountId: '42', fencingToken: lease.fencingToken });
 * } finally {
 *   await releaseLock(lease);
 * }
 */
export async function acquireLock(resourceId: string, options: AcquireOptions): Promise<LockLease> {
  if (typeof resourceId !== 'string' || resourceId.length === 0) {
    throw new InvalidMutexOptionsError('acquireLock: resourceId must be a non-empty string');
  }
  validateMutexLimits('acquireLock', options);
  const timeoutMs = toMs(options.timeout);
  const leaseMs = toMs(options.lease ?? '5 minutes');
  const info = workflowInfo();
  const workflowId = mutexWorkflowId(resourceId, options.workflowIdPrefix);
  const request: LockRequest = {
    requestId: uuid4(),
    secret: uuid4(),
    requester: { kind: 'workflow', workflowId: info.workflowId, runId: info.runId },
    leaseMs,
    timeoutMs,
  };
  installGrantHandler();
  const { pending } = requesterState;
  const entry: PendingRequest = { mutexWorkflowId: workflowId, abandoned: false };
  pending.set(request.requestId, entry);

  try {
    await sendRequest(resourceId, workflowId, request, options, info.taskQueue);
    const answered = () => entry.grant !== undefined || entry.refusedAtCap !== undefined;
    if (!(await condition(answered, timeoutMs))) {
      await abandon(request, entry);
      throw new LockTimeoutError(resourceId, request.requestId, timeoutMs);
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => abandon(request, entry));
    } else if (!(err instanceof LockTimeoutError) && patched(WITHDRAW_ON_ERROR_PATCH)) {
      // Any other failure (the request activity failed, a signal was refused) may leave the request
      // queued: withdraw it so it is never granted to nobody.
      await CancellationScope.nonCancellable(() => abandon(request, entry));
    }
    throw err;
  }
  pending.delete(request.requestId);
  if (entry.grant === undefined) {
    throw new LockQueueFullError(resourceId, request.requestId, entry.refusedAtCap as number);
  }
  const grant = entry.grant as LockGrant;
  return {
    resourceId,
    mutexWorkflowId: workflowId,
    requestId: grant.requestId,
    fencingToken: grant.fencingToken,
    grantToken: grant.grantToken,
    leaseExpiresAt: grant.leaseExpiresAt,
  };
}

/** Patch id of the withdrawal after a failed acquire (#13); runs recorded before it withdrew only on timeout or cancellation. */
const WITHDRAW_ON_ERROR_PATCH = 'mutex-withdraw-on-error';

/** Patch id of the direct request (#15): a plain signal first, signal-with-start only when the mutex is not running. */
const DIRECT_REQUEST_PATCH = 'mutex-direct-request';

/**
 * Queues `request` with the mutex. A running mutex gets a plain signal (one hop, no activity); only when it
 * is not running does the `mutexRequestLock` activity start it with signal-with-start.
 */
async function sendRequest(
  resourceId: string,
  workflowId: string,
  request: LockRequest,
  options: AcquireOptions,
  defaultTaskQueue: string,
): Promise<void> {
  const createOnDemand = options.createOnDemand !== false;
  if (!createOnDemand || patched(DIRECT_REQUEST_PATCH)) {
    const sent = await signalWorkflow(workflowId, mutexLockRequestSignal, request).then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof ExternalWorkflowNotFoundError)) throw err;
        if (!createOnDemand) throw new MutexUnavailableError(resourceId, workflowId, err);
        return false;
      },
    );
    if (sent) return;
  }
  const activities = proxyActivities<MutexActivities>({
    startToCloseTimeout: '30s',
    ...options.activityOptions,
  });
  await activities.mutexRequestLock({
    mutexWorkflowId: workflowId,
    taskQueue: options.mutexTaskQueue ?? defaultTaskQueue,
    workflowInput: {
      resourceId,
      permits: options.permits,
      idleTimeoutMs: options.idleTimeout === undefined ? undefined : toMs(options.idleTimeout),
      maxHistoryEvents: options.maxHistoryEvents,
      maxQueueLength: options.maxQueueLength,
      grantsByLocalActivity: options.grantsByLocalActivity,
    },
    request,
  });
}

async function abandon(request: LockRequest, entry: PendingRequest): Promise<void> {
  entry.abandoned = true;
  if (entry.grant) {
    // The grant arrived together with the timeout or cancellation: release it rather than withdraw.
    requesterState.pending.delete(request.requestId);
    await releaseQuietly(entry.mutexWorkflowId, request.requestId, entry.grant.grantToken);
    return;
  }
  await signalWorkflow(entry.mutexWorkflowId, mutexWithdrawSignal, {
    requestId: request.requestId,
    secret: request.secret,
  }).catch((err: unknown) => {
    if (!(err instanceof ExternalWorkflowNotFoundError)) throw err;
  });
}

async function releaseQuietly(workflowId: string, requestId: string, grantToken: string): Promise<void> {
  await signalWorkflow(workflowId, mutexReleaseSignal, {
    requestId,
    grantToken,
    sender: workflowInfo().workflowId,
  }).catch((err: unknown) => {
    // A mutex that is gone holds nothing for us any more.
    if (!(err instanceof ExternalWorkflowNotFoundError)) throw err;
  });
}

/**
 * Releases a lease. Safe to call more than once and after the lease ran out (the mutex ignores a release
 * whose grant is no longer current). Runs even when the workflow is being cancelled.
 */
export async function releaseLock(lease: LockLease): Promise<void> {
  await CancellationScope.nonCancellable(() =>
    releaseQuietly(lease.mutexWorkflowId, lease.requestId, lease.grantToken),
  );
}

/**
 * Extends a lease to `lease` from now (defaults to 5 minutes). Ignored by the mutex when the grant has
 * already lapsed: check the fencing token downstream rather than trusting a renewal.
 */
export async function renewLock(lease: LockLease, duration: Duration = '5 minutes'): Promise<void> {
  const leaseMs = toMs(duration);
  await signalWorkflow(lease.mutexWorkflowId, mutexRenewSignal, {
    requestId: lease.requestId,
    grantToken: lease.grantToken,
    leaseMs,
  });
  lease.leaseExpiresAt = Date.now() + leaseMs;
}

/**
 * What a protected activity returns when it released its lease itself (`MutexClient.releaseAfter`), so the
 * next holder is granted while the activity's completion travels back to its workflow. {@link withLock}
 * recognises it and sends no second release.
 */
export interface ReleasedInActivity<T> {
  value: T;
  /** The grant token of the lease released; absent when the release could not be sent (the workflow then releases). */
  releasedGrantToken?: string;
}

function releasedInActivity(result: unknown, lease: LockLease): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as ReleasedInActivity<unknown>).releasedGrantToken === lease.grantToken
  );
}

/** Options of {@link withLock}: those of {@link acquireLock}, and automatic lease renewal. */
export interface WithLockOptions extends AcquireOptions {
  /** Renew the lease at half its length while `fn` runs. Defaults to false. */
  autoRenew?: boolean;
}

/**
 * Runs `fn` holding the lock on `resourceId`, and always releases it: when `fn` returns, throws, or the
 * workflow is cancelled. When `fn` returns what `MutexClient.releaseAfter` returned in the protected
 * activity (a {@link ReleasedInActivity} for this lease), the activity has released it already and no
 * second release is sent.
 *
 * @example
 * await withLock('printer-1', { timeout: '1 minute' }, async (lease) => {
 *   await printJob({ jobId, fencingToken: lease.fencingToken });
 * });
 */
export async function withLock<T>(
  resourceId: string,
  options: WithLockOptions,
  fn: (lease: LockLease) => Promise<T>,
): Promise<T> {
  const lease = await acquireLock(resourceId, options);
  const renewals = new CancellationScope();
  if (options.autoRenew) {
    const leaseMs = toMs(options.lease ?? '5 minutes');
    renewals
      .run(async () => {
        for (;;) {
          await sleep(Math.max(1, Math.floor(leaseMs / 2)));
          await renewLock(lease, leaseMs);
        }
      })
      .catch((err: unknown) => {
        if (!isCancellation(err)) log.warn('Lease renewal failed', { resourceId, error: String(err) });
      });
  }
  let result: T | undefined;
  try {
    result = await fn(lease);
    return result;
  } finally {
    renewals.cancel();
    if (!releasedInActivity(result, lease)) await releaseLock(lease);
  }
}
