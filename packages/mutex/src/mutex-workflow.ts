import {
  TemporalFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ExternalWorkflowNotFoundError,
  setTypedHandler,
  signalWorkflow,
} from '@temporal-patterns/signal-utils';
import { IdleClock, shouldContinueAsNew, WorkflowLoop } from '@temporal-patterns/signal-utils/pattern-kit';
import {
  mutexAcquireUpdate,
  mutexForceReleaseSignal,
  mutexForceReleaseUpdate,
  mutexLockGrantedSignal,
  mutexLockRefusedSignal,
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexReleaseUpdate,
  mutexRenewSignal,
  mutexRequestStatusQuery,
  mutexStateQuery,
  mutexWithdrawSignal,
  parseForceRelease,
  parseLockRequest,
  parseRequestStatusQuery,
  type ClientAcquireResult,
  type ClientRequestStatus,
  type LockRequest,
} from './definitions.js';
import { InvalidMutexOptionsError } from './errors.js';
import { LockTable, type CarriedMutexState, type Holder } from './lock-table.js';
import type { MutexActivities } from './lock.js';

/** Arguments of `mutexWorkflow`. */
export interface MutexWorkflowInput {
  resourceId: string;
  /** Permits: 1 for a mutex, N for a semaphore. Defaults to 1. */
  permits?: number;
  /** Complete after this long (ms) with no holder and no waiter. Defaults to 10 minutes. */
  idleTimeoutMs?: number;
  /**
   * Continue as new at this many history events even before the server suggests it: an integer of at
   * least 20 (fewer would continue as new before a run serves anyone). Defaults to none.
   */
  maxHistoryEvents?: number;
  /**
   * The most requests that may wait in the queue, 1 to 1,000: one more is refused with
   * `LockQueueFullError` (a workflow's `acquireLock` rejects, a client's `acquire` too), so the state the
   * mutex carries across continue-as-new stays well under Temporal's 2 MiB payload limit. Defaults to 1,000.
   */
  maxQueueLength?: number;
  /**
   * Deliver grants by the `mutexDeliverGrant` local activity instead of a signal from the workflow: a
   * workflow task fewer per grant and a faster handoff. The worker running this mutex must register
   * `createMutexActivities(client)`; without it the mutex's tasks fail until it does. Defaults to false.
   */
  grantsByLocalActivity?: boolean;
  /** State carried across continue-as-new. Set by the mutex itself. */
  carried?: CarriedMutexState;
}

/** What a mutex run returns when it completes after being idle. */
export interface MutexWorkflowResult {
  resourceId: string;
  lastFencingToken: number;
  reason: 'idle';
}

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
/** The default and the largest `maxQueueLength`. */
export const MAX_QUEUE_LENGTH = 1_000;
/** The most `permits`: every holder is carried across continue-as-new too. */
export const MAX_PERMITS = 100;
/** The least `maxHistoryEvents`: a run's own start takes a few events, and it must serve before it continues. */
export const MIN_MAX_HISTORY_EVENTS = 20;
/**
 * How many client acquires may wait inside an update at once. A workflow takes 10 updates in flight; the
 * rest are left to releases, force-releases and clients asking again, so a holder's release always finds
 * a slot. A client over the cap stays queued and asks again (`MutexClient.acquire` does it).
 */
export const MAX_WAITING_CLIENT_UPDATES = 5;
/**
 * Continue as new after this many acquire updates in a run: the server refuses more than 2,000 updates
 * per run, and clients asking again add up.
 */
const MAX_ACQUIRE_UPDATES_PER_RUN = 1_500;

/** Throws `InvalidMutexOptionsError` for a `maxHistoryEvents` or `maxQueueLength` out of range (shared with `acquireLock`). */
export function validateMutexLimits(
  where: string,
  limits: { maxHistoryEvents?: number; maxQueueLength?: number; permits?: number },
): void {
  const { maxHistoryEvents, maxQueueLength, permits } = limits;
  if (
    maxHistoryEvents !== undefined &&
    (!Number.isInteger(maxHistoryEvents) || maxHistoryEvents < MIN_MAX_HISTORY_EVENTS)
  ) {
    throw new InvalidMutexOptionsError(
      `${where}: maxHistoryEvents must be an integer ≥ ${MIN_MAX_HISTORY_EVENTS}, got ${String(maxHistoryEvents)}`,
    );
  }
  if (
    maxQueueLength !== undefined &&
    (!Number.isInteger(maxQueueLength) || maxQueueLength < 1 || maxQueueLength > MAX_QUEUE_LENGTH)
  ) {
    throw new InvalidMutexOptionsError(
      `${where}: maxQueueLength must be an integer from 1 to ${MAX_QUEUE_LENGTH}, got ${String(maxQueueLength)}`,
    );
  }
  if (permits !== undefined && (!Number.isInteger(permits) || permits < 1 || permits > MAX_PERMITS)) {
    throw new InvalidMutexOptionsError(
      `${where}: permits must be an integer from 1 to ${MAX_PERMITS}, got ${String(permits)}`,
    );
  }
}

function validateInput(input: MutexWorkflowInput): void {
  if (typeof input?.resourceId !== 'string' || input.resourceId.length === 0) {
    throw new InvalidMutexOptionsError('mutexWorkflow: resourceId must be a non-empty string');
  }
  validateMutexLimits('mutexWorkflow', { ...input, permits: input.permits ?? 1 });
}

/** Patch id of client update waits kept for the first places of the queue (#15). */
const CLIENT_WAITS_NEAR_HEAD_PATCH = 'mutex-client-waits-near-head';
/** Patch id of the wake-up that lets a run fed only no-op signals continue as new (#13). */
const WAKE_TO_CONTINUE_PATCH = 'mutex-wake-to-continue';
/** Patch id of the one-timer loop (#15); runs recorded before it keep a timer per pass on replay. */
const ONE_TIMER_PATCH = 'mutex-one-deadline-timer';
// One attempt: a failed delivery falls back to a signal from the workflow at once.
const { mutexDeliverGrant } = proxyLocalActivities<MutexActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

/**
 * The long-running workflow that owns one resource (id `mutex-<resourceId>` by default). It queues lock
 * requests FIFO, grants up to `permits` at a time with a lease and a fencing token, and frees a grant on
 * release, lease expiry, withdrawal or a closed requester. It continues as new when the server suggests it
 * (or at `maxHistoryEvents`) and completes after `idleTimeoutMs` without holders or waiters.
 *
 * Register it on a worker under this name (`export { mutexWorkflow } from '@temporal-patterns/mutex'`).
 */
export async function mutexWorkflow(input: MutexWorkflowInput): Promise<MutexWorkflowResult> {
  validateInput(input);
  const { resourceId } = input;
  const permits = input.permits ?? 1;
  const maxQueueLength = input.maxQueueLength ?? MAX_QUEUE_LENGTH;
  const idleTimeoutMs = input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const continuedAsNew = input.carried?.continuedAsNew ?? 0;
  const table = new LockTable(resourceId, input.carried, Date.now(), log);
  const loop = new WorkflowLoop();
  // Set while draining for continue-as-new: client acquires still waiting answer "retry".
  let continuing = false;
  let waitingClientUpdates = 0;
  let acquireUpdates = 0;

  // A requester that closed (or cannot take signals) must not keep the lock, nor fail the mutex.
  const undelivered = (holder: Holder, workflowId: string, gone: boolean, error: string): void => {
    log.warn(gone ? 'Requester has closed; grant skipped' : 'Grant could not be delivered; skipped', {
      resourceId,
      requestId: holder.requestId,
      requester: workflowId,
      error,
    });
    table.dropUndelivered(holder);
  };
  const signalGrant = (holder: Holder, workflowId: string, runId: string): Promise<void> =>
    signalWorkflow({ workflowId, runId }, mutexLockGrantedSignal, table.grantOf(holder)).catch(
      (err: unknown) =>
        undelivered(
          holder,
          workflowId,
          err instanceof ExternalWorkflowNotFoundError,
          err instanceof Error ? err.message : String(err),
        ),
    );
  const deliverGrant = (holder: Holder): void => {
    if (holder.requester.kind !== 'workflow') return; // a client's grant is the result of its update
    const { workflowId, runId } = holder.requester;
    if (!input.grantsByLocalActivity) {
      loop.spawn(() => signalGrant(holder, workflowId, runId));
      return;
    }
    // A local activity signals the grant from this worker: it leaves while this task runs, and no
    // acknowledgement task follows. A failed attempt falls back to a signal from the workflow. A worker
    // without the activity fails its task here (the SDK refuses to schedule it, and a fallback would not
    // replay), so the mutex waits, logging, until the activity is registered.
    loop.spawn(async () => {
      let outcome: 'delivered' | 'gone';
      try {
        outcome = await mutexDeliverGrant({ workflowId, runId, grant: table.grantOf(holder) });
      } catch (err) {
        if (!(err instanceof TemporalFailure)) throw err;
        await signalGrant(holder, workflowId, runId);
        return;
      }
      if (outcome === 'gone') undelivered(holder, workflowId, true, 'the requester has closed');
    });
  };

  const wakeIf = (changed: boolean): boolean => {
    if (changed) loop.wake();
    // A signal that changes nothing (a stale renewal, a forged release) still adds history: past the
    // continue-as-new point, wake the loop so it continues as new instead of growing toward the
    // per-run signal limit.
    else if (
      shouldContinueAsNew({ maxHistoryEvents: input.maxHistoryEvents }) &&
      patched(WAKE_TO_CONTINUE_PATCH)
    )
      loop.wake();
    return changed;
  };

  /** True when `request` is new and the queue has no room for it: it is refused, never queued. */
  const refused = (request: LockRequest): boolean => {
    if (table.isKnown(request.requestId) || table.counts.queued < maxQueueLength) return false;
    log.warn('Lock request refused: the queue is full', {
      resourceId,
      requestId: request.requestId,
      maxQueueLength,
    });
    return true;
  };

  const onLockRequest = (request: LockRequest) => {
    const { requester } = request;
    if (refused(request)) {
      // A client learns of it when it asks by update (its status query finds the request unknown).
      if (requester.kind !== 'workflow') return;
      const refusal = {
        resourceId,
        requestId: request.requestId,
        reason: 'queue-full',
        maxQueueLength,
      } as const;
      // A requester that has closed needs no answer.
      loop.spawn(() => signalWorkflow(requester, mutexLockRefusedSignal, refusal).catch(() => undefined));
      return;
    }
    wakeIf(table.enqueue(request, Date.now()));
  };
  setTypedHandler(mutexLockRequestSignal, onLockRequest);
  setTypedHandler(mutexReleaseSignal, (req) => {
    wakeIf(table.release(req, 'signal'));
    // Requests a client's process sent along with its release queue after it, in the order sent.
    for (const request of req.requests ?? []) onLockRequest(request);
  });
  setTypedHandler(mutexForceReleaseSignal, (req) => {
    table.forceRelease(req);
    loop.wake();
  });
  setTypedHandler(mutexRenewSignal, (req) => void wakeIf(table.renew(req, Date.now())));
  setTypedHandler(mutexWithdrawSignal, (req) => void wakeIf(table.withdraw(req)));
  setHandler(mutexRequestStatusQuery, (query): ClientRequestStatus => {
    const { requestId, secret } = parseRequestStatusQuery(query);
    const holder = table.holder(requestId);
    if (holder) {
      return holder.secret === secret
        ? { status: 'granted', grant: table.grantOf(holder) }
        : { status: 'unknown' };
    }
    const ahead = table.queuePosition(requestId);
    return ahead >= 0 ? { status: 'queued', ahead, handoffMs: table.handoffMs() } : { status: 'unknown' };
  });
  setHandler(mutexStateQuery, () => ({
    resourceId,
    permits,
    ...table.snapshot(),
    continuedAsNew,
    historyLength: workflowInfo().historyLength,
  }));

  setHandler(
    mutexAcquireUpdate,
    async (request): Promise<ClientAcquireResult> => {
      acquireUpdates += 1;
      if (refused(request)) return { status: 'queue-full', maxQueueLength };
      if (!table.isKnown(request.requestId)) wakeIf(table.enqueue(request, Date.now()));
      const { requestId } = request;
      // Over the cap, the request keeps its place in the queue and its client asks again. Runs since the
      // patch keep the update waits for the head of the queue (positions only move forward, so at most
      // MAX_WAITING_CLIENT_UPDATES qualify): whoever is granted next is already waiting to hear it.
      const nearHeadOnly = patched(CLIENT_WAITS_NEAR_HEAD_PATCH);
      const mayWait =
        waitingClientUpdates < MAX_WAITING_CLIENT_UPDATES &&
        (!nearHeadOnly || table.queuePosition(requestId) < MAX_WAITING_CLIENT_UPDATES);
      if (mayWait) {
        waitingClientUpdates += 1;
        try {
          await condition(
            () => table.holder(requestId) !== undefined || !table.isQueued(requestId) || continuing,
          );
        } finally {
          waitingClientUpdates -= 1;
        }
      }
      const holder = table.holder(requestId);
      if (holder) return { status: 'granted', grant: table.grantOf(holder) };
      const ahead = table.queuePosition(requestId);
      if (ahead < 0) return { status: 'timed-out' };
      return nearHeadOnly
        ? { status: 'retry', ahead, handoffMs: table.handoffMs() }
        : { status: 'retry', ahead };
    },
    {
      validator: (request) => {
        const parsed = parseLockRequest(request);
        if (parsed.requester.kind !== 'client')
          throw new Error('requester.kind must be "client" for an update');
      },
    },
  );
  setHandler(mutexReleaseUpdate, (req) => wakeIf(table.release(req, 'update')), {
    validator: (req) => void mutexReleaseSignal.parse(req),
  });
  setHandler(
    mutexForceReleaseUpdate,
    (req) => {
      const released = table.forceRelease(req);
      loop.wake();
      return released;
    },
    { validator: (req) => void parseForceRelease(req) },
  );

  const idle = new IdleClock(idleTimeoutMs);
  for (;;) {
    const seen = loop.mark();
    const now = Date.now();
    table.expire(now);
    while (table.canGrant(permits)) deliverGrant(table.grantNext(now, uuid4()));
    idle.update(table.isEmpty && loop.pendingTasks === 0, now);

    if (shouldContinueAsNew({ maxHistoryEvents: input.maxHistoryEvents })) break;
    if (acquireUpdates >= MAX_ACQUIRE_UPDATES_PER_RUN) break;
    if (idle.expired(now)) {
      // Requests that raced with the idle timer were delivered with it (signals are handled first), so
      // idleness is decided on the latest state; a request arriving later starts a new run.
      await condition(allHandlersFinished);
      if (table.isEmpty) {
        const { lastFencingToken } = table;
        log.info('Mutex idle; completing', { resourceId, lastFencingToken });
        return { resourceId, lastFencingToken, reason: 'idle' };
      }
      continue;
    }

    const deadlines = [table.nextDeadline(), idle.deadline].filter((d) => d !== undefined);
    const earliest = deadlines.length > 0 ? Math.min(...deadlines) : undefined;
    if (patched(ONE_TIMER_PATCH)) {
      // One timer for the earliest deadline, replaced only when that deadline moves earlier: a pass
      // that changes no deadline adds no timer events to the history.
      loop.wakeAt(earliest);
      await loop.waitForChange(seen);
    } else {
      // Runs started before the patch wait with a timer per pass, as their histories recorded.
      await loop.waitForChange(seen, earliest === undefined ? undefined : earliest - now);
    }
  }

  // Continue as new: tell waiting client updates to ask again, let every handler and grant delivery
  // finish, then carry everything into the next run.
  continuing = true;
  return loop.drainAndContinueAsNew<typeof mutexWorkflow>(() => {
    log.info('Mutex continuing as new', {
      resourceId,
      ...table.counts,
      lastFencingToken: table.lastFencingToken,
    });
    return [{ ...input, carried: table.carry(continuedAsNew + 1) }];
  });
}
