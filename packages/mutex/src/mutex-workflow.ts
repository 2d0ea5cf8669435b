import { allHandlersFinished, condition, log, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import {
  ExternalWorkflowNotFoundError,
  setTypedHandler,
  signalWorkflow,
} from '@temporal-patterns/signal-utils';
import { IdleClock, shouldContinueAsNew, WorkflowLoop } from '@temporal-patterns/signal-utils/pattern-kit';
import {
  mutexAcquireUpdate,
  mutexForceReleaseUpdate,
  mutexLockGrantedSignal,
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexReleaseUpdate,
  mutexRenewSignal,
  mutexStateQuery,
  mutexWithdrawSignal,
  parseForceRelease,
  parseLockRequest,
  type CarriedMutexState,
  type ClientAcquireResult,
  type HolderInfo,
  type LockGrant,
  type LockRequest,
  type MutexState,
  type MutexWorkflowInput,
  type MutexWorkflowResult,
  type ReleaseRequest,
  type Requester,
} from './definitions.js';
import { InvalidMutexOptionsError } from './errors.js';

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const RECENT_GRANTS_KEPT = 50;
const SETTLED_IDS_KEPT = 2_000;

interface Holder extends HolderInfo {
  secret: string;
  grantToken: string;
}

interface Waiter {
  request: LockRequest;
  waitingSince: number;
  expiresAt: number;
}

function describeRequester(requester: Requester): string {
  return requester.kind === 'workflow' ? requester.workflowId : `client ${requester.clientId}`;
}

function validateInput(input: MutexWorkflowInput): void {
  if (typeof input?.resourceId !== 'string' || input.resourceId.length === 0) {
    throw new InvalidMutexOptionsError('mutexWorkflow: resourceId must be a non-empty string');
  }
  const permits = input.permits ?? 1;
  if (!Number.isInteger(permits) || permits < 1) {
    throw new InvalidMutexOptionsError(
      `mutexWorkflow: permits must be an integer ≥ 1, got ${String(input.permits)}`,
    );
  }
}

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
  const idleTimeoutMs = input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const carried = input.carried;

  const holders = new Map<string, Holder>((carried?.holders ?? []).map((h) => [h.requestId, h]));
  const queue: Waiter[] = [...(carried?.queue ?? [])];
  const settled = new Set<string>(carried?.settledRequestIds ?? []);
  const recentGrants = [...(carried?.recentGrants ?? [])];
  // Fencing tokens start from the clock at a fresh start so that a mutex restarted after an idle
  // completion still hands out larger tokens than its previous run; after that, one more per grant.
  let lastFencingToken = carried?.lastFencingToken ?? Date.now() * 1000;
  const continuedAsNew = carried?.continuedAsNew ?? 0;
  const loop = new WorkflowLoop();
  // Set while draining for continue-as-new: client acquires still waiting answer "retry".
  let continuing = false;

  const isKnown = (requestId: string): boolean =>
    holders.has(requestId) || settled.has(requestId) || queue.some((w) => w.request.requestId === requestId);

  const settle = (requestId: string): void => {
    settled.add(requestId);
    if (settled.size > SETTLED_IDS_KEPT) settled.delete(settled.values().next().value as string);
  };

  const enqueue = (request: LockRequest): void => {
    if (isKnown(request.requestId)) {
      log.debug('Duplicate lock request ignored', { resourceId, requestId: request.requestId });
      return;
    }
    const now = Date.now();
    queue.push({ request, waitingSince: now, expiresAt: now + request.timeoutMs });
    log.debug('Lock requested', {
      resourceId,
      requestId: request.requestId,
      requester: describeRequester(request.requester),
    });
    loop.wake();
  };

  const release = (req: ReleaseRequest, via: string): boolean => {
    const holder = holders.get(req.requestId);
    if (!holder) {
      log.info(`Release of a grant that is not held ignored (${via})`, {
        resourceId,
        requestId: req.requestId,
        sender: req.sender,
        reason: settled.has(req.requestId) ? 'already released, expired or withdrawn' : 'unknown request',
      });
      return false;
    }
    if (holder.grantToken !== req.grantToken) {
      log.warn(`Release with a wrong grant token ignored (${via})`, {
        resourceId,
        requestId: req.requestId,
        sender: req.sender,
        holder: describeRequester(holder.requester),
        holderRequestId: holder.requestId,
      });
      return false;
    }
    holders.delete(holder.requestId);
    settle(holder.requestId);
    log.debug('Lock released', {
      resourceId,
      requestId: holder.requestId,
      fencingToken: holder.fencingToken,
    });
    loop.wake();
    return true;
  };

  const deliverGrant = (holder: Holder, grant: LockGrant): void => {
    if (holder.requester.kind !== 'workflow') return; // a client's grant is the result of its update
    const { workflowId, runId } = holder.requester;
    loop.spawn(() =>
      signalWorkflow({ workflowId, runId }, mutexLockGrantedSignal, grant).catch((err: unknown) => {
        // A requester that closed (or cannot take signals) must not keep the lock, nor fail the mutex.
        const gone = err instanceof ExternalWorkflowNotFoundError;
        log.warn(gone ? 'Requester has closed; grant skipped' : 'Grant could not be delivered; skipped', {
          resourceId,
          requestId: holder.requestId,
          requester: workflowId,
          error: err instanceof Error ? err.message : String(err),
        });
        if (holders.get(holder.requestId)?.grantToken === holder.grantToken) {
          holders.delete(holder.requestId);
          settle(holder.requestId);
        }
      }),
    );
  };

  const grantNext = (now: number): void => {
    const waiter = queue.shift() as Waiter;
    const { request } = waiter;
    lastFencingToken += 1;
    const holder: Holder = {
      requestId: request.requestId,
      requester: request.requester,
      secret: request.secret,
      grantToken: uuid4(),
      fencingToken: lastFencingToken,
      grantedAt: now,
      leaseExpiresAt: now + request.leaseMs,
    };
    holders.set(holder.requestId, holder);
    recentGrants.push({
      requestId: holder.requestId,
      requester: holder.requester,
      fencingToken: holder.fencingToken,
      grantedAt: now,
    });
    if (recentGrants.length > RECENT_GRANTS_KEPT) recentGrants.shift();
    log.debug('Lock granted', { resourceId, requestId: holder.requestId, fencingToken: holder.fencingToken });
    deliverGrant(holder, grantOf(holder));
  };

  const grantOf = (holder: Holder): LockGrant => ({
    resourceId,
    requestId: holder.requestId,
    fencingToken: holder.fencingToken,
    grantToken: holder.grantToken,
    leaseExpiresAt: holder.leaseExpiresAt,
  });

  const expire = (now: number): void => {
    for (const holder of [...holders.values()]) {
      if (holder.leaseExpiresAt <= now) {
        holders.delete(holder.requestId);
        settle(holder.requestId);
        log.warn('Lease expired; lock taken back', {
          resourceId,
          requestId: holder.requestId,
          holder: describeRequester(holder.requester),
          fencingToken: holder.fencingToken,
        });
      }
    }
    for (let i = queue.length - 1; i >= 0; i--) {
      const waiter = queue[i] as Waiter;
      if (waiter.expiresAt <= now) {
        queue.splice(i, 1);
        settle(waiter.request.requestId);
        log.info('Lock request expired in the queue; withdrawn', {
          resourceId,
          requestId: waiter.request.requestId,
        });
      }
    }
  };

  const state = (): MutexState => ({
    resourceId,
    permits,
    holders: [...holders.values()].map(
      ({ requestId, requester, fencingToken, grantedAt, leaseExpiresAt }) => ({
        requestId,
        requester,
        fencingToken,
        grantedAt,
        leaseExpiresAt,
      }),
    ),
    queue: queue.map((w) => ({
      requestId: w.request.requestId,
      requester: w.request.requester,
      waitingSince: w.waitingSince,
      expiresAt: w.expiresAt,
    })),
    lastFencingToken,
    recentGrants: [...recentGrants],
    continuedAsNew,
    historyLength: workflowInfo().historyLength,
  });

  setTypedHandler(mutexLockRequestSignal, (request) => {
    if (request.requester.kind !== 'workflow') {
      log.warn('Lock request by signal must come from a workflow; ignored', {
        resourceId,
        requestId: request.requestId,
      });
      return;
    }
    enqueue(request);
  });
  setTypedHandler(mutexReleaseSignal, (req) => {
    release(req, 'signal');
  });
  setTypedHandler(mutexRenewSignal, (req) => {
    const holder = holders.get(req.requestId);
    if (!holder || holder.grantToken !== req.grantToken) {
      log.info('Renewal of a grant that is not held ignored', { resourceId, requestId: req.requestId });
      return;
    }
    holder.leaseExpiresAt = Date.now() + req.leaseMs;
    loop.wake();
  });
  setTypedHandler(mutexWithdrawSignal, (req) => {
    const index = queue.findIndex((w) => w.request.requestId === req.requestId);
    const waiter = queue[index];
    const holder = holders.get(req.requestId);
    if ((waiter && waiter.request.secret !== req.secret) || (holder && holder.secret !== req.secret)) {
      log.warn('Withdrawal with a wrong secret ignored', { resourceId, requestId: req.requestId });
      return;
    }
    if (waiter) queue.splice(index, 1);
    if (holder) {
      holders.delete(holder.requestId);
      log.info('Granted request withdrawn by its requester; released', {
        resourceId,
        requestId: req.requestId,
      });
    }
    // Remember the id even when unknown, so a request delivered after its withdrawal is never queued.
    settle(req.requestId);
    loop.wake();
  });
  setHandler(mutexStateQuery, state);

  setHandler(
    mutexAcquireUpdate,
    async (request): Promise<ClientAcquireResult> => {
      if (!isKnown(request.requestId)) enqueue(request);
      const queued = (): boolean => queue.some((w) => w.request.requestId === request.requestId);
      await condition(() => holders.has(request.requestId) || !queued() || continuing);
      const holder = holders.get(request.requestId);
      if (holder) return { status: 'granted', grant: grantOf(holder) };
      return queued() ? { status: 'retry' } : { status: 'timed-out' };
    },
    {
      validator: (request) => {
        const parsed = parseLockRequest(request);
        if (parsed.requester.kind !== 'client')
          throw new Error('requester.kind must be "client" for an update');
      },
    },
  );
  setHandler(mutexReleaseUpdate, (req) => release(req, 'update'), {
    validator: (req) => void mutexReleaseSignal.parse(req),
  });
  setHandler(
    mutexForceReleaseUpdate,
    (req) => {
      const targets = req.requestId
        ? [holders.get(req.requestId)].filter((h) => h !== undefined)
        : [...holders.values()];
      for (const holder of targets) {
        holders.delete(holder.requestId);
        settle(holder.requestId);
        log.warn('Lock force-released by an operator', {
          resourceId,
          requestId: holder.requestId,
          holder: describeRequester(holder.requester),
          fencingToken: holder.fencingToken,
          operator: req.operator,
          reason: req.reason,
        });
      }
      loop.wake();
      return targets.map(({ requestId, requester, fencingToken, grantedAt, leaseExpiresAt }) => ({
        requestId,
        requester,
        fencingToken,
        grantedAt,
        leaseExpiresAt,
      }));
    },
    { validator: (req) => void parseForceRelease(req) },
  );

  const idle = new IdleClock(idleTimeoutMs);
  for (;;) {
    const seen = loop.mark();
    const now = Date.now();
    expire(now);
    while (holders.size < permits && queue.length > 0) grantNext(now);
    idle.update(holders.size === 0 && queue.length === 0 && loop.pendingTasks === 0, now);

    if (shouldContinueAsNew({ maxHistoryEvents: input.maxHistoryEvents })) break;
    if (idle.expired(now)) {
      // Requests that raced with the idle timer were delivered with it (signals are handled first), so
      // idleness is decided on the latest state; a request arriving later starts a new run.
      await condition(allHandlersFinished);
      if (holders.size === 0 && queue.length === 0) {
        log.info('Mutex idle; completing', { resourceId, lastFencingToken });
        return { resourceId, lastFencingToken, reason: 'idle' };
      }
      continue;
    }

    const deadlines = [
      ...[...holders.values()].map((h) => h.leaseExpiresAt),
      ...queue.map((w) => w.expiresAt),
      ...(idle.deadline !== undefined ? [idle.deadline] : []),
    ];
    // One timer per pass, as recorded histories expect (fewer timers needs a patch: issue #15).
    await loop.waitForChange(seen, deadlines.length > 0 ? Math.min(...deadlines) - now : undefined);
  }

  // Continue as new: tell waiting client updates to ask again, let every handler and grant delivery
  // finish, then carry everything into the next run.
  continuing = true;
  return loop.drainAndContinueAsNew<typeof mutexWorkflow>(() => {
    log.info('Mutex continuing as new', {
      resourceId,
      holders: holders.size,
      queued: queue.length,
      lastFencingToken,
    });
    const next: CarriedMutexState = {
      holders: [...holders.values()],
      queue,
      lastFencingToken,
      recentGrants,
      settledRequestIds: [...settled],
      continuedAsNew: continuedAsNew + 1,
    };
    return [{ ...input, carried: next }];
  });
}
