/**
 * Client entry: for workers, activities and applications. Never import it from workflow code: it pulls
 * in `@temporalio/client` and Node built-ins, which the workflow sandbox cannot load. It re-exports the
 * root entry, so one import serves a worker's whole setup.
 */
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { durationToMs } from '@temporal-patterns/signal-utils/pattern-kit';
import {
  mutexAcquireUpdate,
  mutexForceReleaseUpdate,
  mutexLockGrantedSignal,
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexReleaseUpdate,
  mutexStateQuery,
  type HolderInfo,
  type LockRequest,
  type MutexState,
} from './definitions.js';
import { LockTimeoutError } from './errors.js';
import {
  DEFAULT_MUTEX_ID_PREFIX,
  mutexWorkflowId,
  type DeliverGrantActivityInput,
  type LockLease,
  type MutexActivities,
  type ReleasedInActivity,
  type RequestLockActivityInput,
} from './lock.js';
import { mutexWorkflow } from './mutex-workflow.js';

export * from './index.js';
// What createMutexActivities returns: exported so code that stores the activities can name their type.
export type { MutexActivities } from './lock.js';

/**
 * The activities `acquireLock` needs to create mutexes on demand, and the mutex uses to deliver grants.
 * Register them on every worker whose workflows take locks or that runs `mutexWorkflow`:
 * `activities: { ...createMutexActivities(client) }`. A mutex whose worker lacks them still works: it
 * falls back to signalling grants from the workflow (one more workflow task per grant).
 */
export function createMutexActivities(client: Client): MutexActivities {
  return {
    /** Signal-with-start of the mutex workflow: queues the request, starting the mutex when it is not running. */
    async mutexRequestLock(input: RequestLockActivityInput): Promise<void> {
      await client.workflow.signalWithStart(mutexWorkflow, {
        workflowId: input.mutexWorkflowId,
        taskQueue: input.taskQueue,
        args: [input.workflowInput],
        signal: mutexLockRequestSignal.definition,
        signalArgs: [input.request],
      });
    },
    /** Run by the mutex as a local activity: signals a grant straight to the requester's run. */
    async mutexDeliverGrant({ workflowId, runId, grant }: DeliverGrantActivityInput) {
      try {
        await client.workflow.getHandle(workflowId, runId).signal(mutexLockGrantedSignal.definition, grant);
        return 'delivered';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'gone';
        throw err;
      }
    },
  };
}

/** Options of {@link MutexClient}. */
export interface MutexClientOptions {
  /** Task queue of the worker running `mutexWorkflow` (used when a mutex has to be started). */
  taskQueue: string;
  /** Prefix of mutex workflow ids. Defaults to `mutex-`. */
  workflowIdPrefix?: string;
  /** Names this client in the mutex's queue and logs. Defaults to a random id. */
  clientId?: string;
}

/** Options of {@link MutexClient.acquire} and {@link MutexClient.withLock}. */
export interface ClientAcquireOptions {
  /** How long to wait for the grant. */
  timeout: Duration;
  /** How long the grant holds unless renewed. Defaults to 5 minutes. */
  lease?: Duration;
  /** Permits when this call starts the mutex. Defaults to 1. */
  permits?: number;
  /** Idle time after which a started mutex completes. Defaults to 10 minutes. */
  idleTimeout?: Duration;
}

/**
 * Locks from code that is not a workflow (scripts, services, operators): acquire, release, inspect, and
 * force-release. Acquire is an Update-with-Start, so the mutex is created on demand here too.
 *
 * @example
 * const mutex = new MutexClient(client, { taskQueue: 'locks' });
 * const lease = await mutex.acquire('report-2026', { timeout: '10s' });
 * try { await rebuildReport(lease.fencingToken); } finally { await mutex.release(lease); }
 */
export class MutexClient {
  private readonly prefix: string;
  private readonly clientId: string;

  constructor(
    private readonly client: Client,
    private readonly options: MutexClientOptions,
  ) {
    this.prefix = options.workflowIdPrefix ?? DEFAULT_MUTEX_ID_PREFIX;
    this.clientId = options.clientId ?? `client-${randomUUID()}`;
  }

  /** The state of a resource's mutex, or undefined when none is running. */
  async inspect(resourceId: string): Promise<MutexState | undefined> {
    const handle = this.client.workflow.getHandle(mutexWorkflowId(resourceId, this.prefix));
    try {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING') return undefined;
      return await handle.query(mutexStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** Waits for the lock; rejects with `LockTimeoutError` after `timeout` (the request is withdrawn). */
  async acquire(resourceId: string, options: ClientAcquireOptions): Promise<LockLease> {
    const workflowId = mutexWorkflowId(resourceId, this.prefix);
    const timeoutMs = durationToMs(options.timeout);
    const request: LockRequest = {
      requestId: randomUUID(),
      secret: randomUUID(),
      requester: { kind: 'client', clientId: this.clientId },
      leaseMs: durationToMs(options.lease ?? '5 minutes'),
      timeoutMs,
    };
    const deadline = Date.now() + timeoutMs;
    // "retry" means the mutex was continuing as new: the request is carried over, so ask the new run.
    for (;;) {
      const result = await this.client.workflow.executeUpdateWithStart(mutexAcquireUpdate, {
        args: [request],
        startWorkflowOperation: new WithStartWorkflowOperation(mutexWorkflow, {
          workflowId,
          taskQueue: this.options.taskQueue,
          args: [
            {
              resourceId,
              permits: options.permits,
              idleTimeoutMs:
                options.idleTimeout === undefined ? undefined : durationToMs(options.idleTimeout),
            },
          ],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      if (result.status === 'granted') {
        const { grant } = result;
        return { ...grant, mutexWorkflowId: workflowId };
      }
      if (result.status === 'timed-out' || Date.now() >= deadline) {
        throw new LockTimeoutError(resourceId, request.requestId, timeoutMs);
      }
    }
  }

  /** Releases a lease; resolves false when it was no longer current (expired, force-released, or released). */
  async release(lease: LockLease): Promise<boolean> {
    try {
      return await this.client.workflow.getHandle(lease.mutexWorkflowId).executeUpdate(mutexReleaseUpdate, {
        args: [{ requestId: lease.requestId, grantToken: lease.grantToken, sender: this.clientId }],
      });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /**
   * In a protected activity that was given its workflow's lease: runs `work`, then releases the lease from
   * here, by signal, so the mutex grants the next holder while this activity's completion is still on its
   * way to the workflow (one workflow task fewer between two holders). Return the result from the activity:
   * `withLock` sees the release and sends no second one.
   *
   * Release comes only after `work` succeeds: a failed attempt keeps the lease, so a retry runs under it.
   * The one gap is an attempt that releases and then cannot report its completion (the worker dies in
   * between): its retry runs without the lock, so pass `lease.fencingToken` to what you protect, as always.
   *
   * @example
   * // activity: return mutex.releaseAfter(lease, () => ledger.post(entry, lease.fencingToken));
   * // workflow: await withLock('ledger', { timeout: '1 minute' }, (lease) => acts.post({ entry, lease }));
   */
  async releaseAfter<T>(lease: LockLease, work: () => Promise<T>): Promise<ReleasedInActivity<T>> {
    const value = await work();
    try {
      await this.client.workflow.getHandle(lease.mutexWorkflowId).signal(mutexReleaseSignal.definition, {
        requestId: lease.requestId,
        grantToken: lease.grantToken,
        sender: this.clientId,
      });
    } catch (err) {
      // A mutex that is gone holds nothing; any other failure leaves the release to the workflow.
      if (!(err instanceof WorkflowNotFoundError)) return { value };
    }
    return { value, releasedGrantToken: lease.grantToken };
  }

  /** Runs `fn` holding the lock, and always releases it. */
  async withLock<T>(
    resourceId: string,
    options: ClientAcquireOptions,
    fn: (lease: LockLease) => Promise<T>,
  ): Promise<T> {
    const lease = await this.acquire(resourceId, options);
    try {
      return await fn(lease);
    } finally {
      await this.release(lease);
    }
  }

  /**
   * An operator's forced release of one holder (`requestId`) or all; logged by the mutex with `operator`
   * and `reason`. Resolves with the holders released.
   */
  async forceRelease(
    resourceId: string,
    options: { requestId?: string; operator: string; reason: string },
  ): Promise<HolderInfo[]> {
    return this.client.workflow
      .getHandle(mutexWorkflowId(resourceId, this.prefix))
      .executeUpdate(mutexForceReleaseUpdate, { args: [options] });
  }
}
