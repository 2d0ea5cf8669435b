/**
 * The `./definitions` entry (workflow-safe): every signal, update and query the mutex exchanges with its
 * requesters and clients, with their payload types and validators, for tools that speak to a mutex
 * without the helpers (this repository's fault suite, a sender in another language). Applications use
 * the root and client entries.
 *
 * Wire names (`'mutex.release'`) are a public contract: changing one breaks running mutexes and their
 * callers, and wants a changeset that says so.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineTypedSignal } from '@temporal-patterns/signal-utils';
import {
  isRunId,
  parseRecord,
  positiveNumber,
  requiredString,
  type PayloadRecord,
} from '@temporal-patterns/signal-utils/pattern-kit';

// Every string field is bounded: a payload is carried in the mutex's state and history. Ids and tokens the
// helpers make are UUIDs (36 characters); names (workflow ids, client ids, operators) get more room.
const LIMITS = { maxLength: 500 };
/** The longest request id, secret or grant token accepted, in characters. */
const MAX_TOKEN_LENGTH = 128;
const TOKEN_LIMITS = { maxLength: MAX_TOKEN_LENGTH };

const text = (obj: PayloadRecord, key: string): string => requiredString(obj, key, LIMITS);
const token = (obj: PayloadRecord, key: string): string => requiredString(obj, key, TOKEN_LIMITS);

/** An optional string field: absent is fine, but a present one must be a non-empty bounded string. */
const optionalText = (obj: PayloadRecord, key: string): string | undefined =>
  obj[key] === undefined ? undefined : text(obj, key);

/** Who asked for a lock: a workflow run (granted by signal) or a client (granted as an update result). */
export type Requester =
  { kind: 'workflow'; workflowId: string; runId: string } | { kind: 'client'; clientId: string };

function parseRequester(raw: unknown): Requester {
  const obj = parseRecord(raw);
  if (obj.kind === 'workflow') {
    const runId = obj.runId;
    if (!isRunId(runId)) throw new Error('requester.runId must be a workflow run id (a UUID)');
    return { kind: 'workflow', workflowId: text(obj, 'workflowId'), runId };
  }
  if (obj.kind === 'client') return { kind: 'client', clientId: text(obj, 'clientId') };
  throw new Error('requester.kind must be "workflow" or "client"');
}

/** A lock request, sent to the mutex workflow. */
export interface LockRequest {
  /** Unique per acquire attempt; duplicates of the same id are queued and granted once. */
  requestId: string;
  /** Known only to the requester and the mutex (never shown by queries); authenticates a withdrawal. */
  secret: string;
  requester: Requester;
  /** How long the grant holds before it lapses unless renewed, in ms. */
  leaseMs: number;
  /** How long the request may wait in the queue, in ms; after that it is withdrawn and never granted. */
  timeoutMs: number;
}

/** Validates a lock request (by signal or by the client acquire update). */
export function parseLockRequest(raw: unknown): LockRequest {
  const obj = parseRecord(raw);
  return {
    requestId: token(obj, 'requestId'),
    secret: token(obj, 'secret'),
    requester: parseRequester(obj.requester),
    leaseMs: positiveNumber(obj, 'leaseMs'),
    timeoutMs: positiveNumber(obj, 'timeoutMs'),
  };
}

/**
 * A lock request by signal (`mutex.lock-request`). A workflow's grant comes back by signal; a client's is
 * its `mutex.request-status` answer or its `mutex.acquire` update's result.
 */
export const mutexLockRequestSignal = defineTypedSignal<LockRequest>('mutex.lock-request', parseLockRequest);

/** A grant, sent to the requester. */
export interface LockGrant {
  resourceId: string;
  requestId: string;
  /** Strictly increasing per resource: pass it to the protected system so it can refuse stale writers. */
  fencingToken: number;
  /** Authenticates release and renewal of this grant. */
  grantToken: string;
  /** Epoch ms when the lease runs out unless renewed. */
  leaseExpiresAt: number;
}

/** Sent by the mutex to a requesting workflow run (`mutex.lock-granted`). */
export const mutexLockGrantedSignal = defineTypedSignal<LockGrant>('mutex.lock-granted', (raw) => {
  const obj = parseRecord(raw);
  return {
    resourceId: text(obj, 'resourceId'),
    requestId: token(obj, 'requestId'),
    fencingToken: positiveNumber(obj, 'fencingToken'),
    grantToken: token(obj, 'grantToken'),
    leaseExpiresAt: positiveNumber(obj, 'leaseExpiresAt'),
  };
});

/** Releases a grant; ignored unless `grantToken` matches a current holder. */
export interface ReleaseRequest {
  requestId: string;
  grantToken: string;
  /** Who sends the release (a workflow id or client name), for the log when it is refused. */
  sender?: string;
  /**
   * Lock requests of the sender's process queued after the release, in order (at most
   * MAX_REQUESTS_WITH_RELEASE): a `MutexClient` sends its clients' requests along with a release, so the
   * mutex takes them in the release's workflow task instead of one task each.
   */
  requests?: LockRequest[];
}

/** The most lock requests one release carries; a release with more carries none (they are asked again). */
export const MAX_REQUESTS_WITH_RELEASE = 100;

/** A release (`mutex.release`) from a workflow or a client. */
export const mutexReleaseSignal = defineTypedSignal<ReleaseRequest>('mutex.release', (raw) => {
  const obj = parseRecord(raw);
  return {
    requestId: token(obj, 'requestId'),
    grantToken: token(obj, 'grantToken'),
    sender: optionalText(obj, 'sender'),
    requests: requestsWithRelease(obj.requests),
  };
});

/**
 * The lock requests a release carries: the valid ones. Never fails the release: a request that is not
 * valid, or a list over the cap, is left out, and its client finds it unknown and asks again by update.
 */
function requestsWithRelease(raw: unknown): LockRequest[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_REQUESTS_WITH_RELEASE) return undefined;
  const requests: LockRequest[] = [];
  for (const item of raw) {
    try {
      requests.push(parseLockRequest(item));
    } catch {
      // Left out, as above.
    }
  }
  return requests.length > 0 ? requests : undefined;
}

/** A client's release (`mutex.release-update`); resolves true when the grant was current and is now released. */
export const mutexReleaseUpdate = defineUpdate<boolean, [ReleaseRequest]>('mutex.release-update');

/** Extends a grant's lease to `leaseMs` from now; ignored unless `grantToken` matches a current holder. */
export interface RenewRequest {
  requestId: string;
  grantToken: string;
  leaseMs: number;
}

/** A holder's lease renewal (`mutex.renew`). */
export const mutexRenewSignal = defineTypedSignal<RenewRequest>('mutex.renew', (raw) => {
  const obj = parseRecord(raw);
  return {
    requestId: token(obj, 'requestId'),
    grantToken: token(obj, 'grantToken'),
    leaseMs: positiveNumber(obj, 'leaseMs'),
  };
});

/** Gives up a request: removes it from the queue, or releases it if it was granted meanwhile. */
export interface WithdrawRequest {
  requestId: string;
  secret: string;
}

/** A requester giving up after a timeout or cancellation (`mutex.withdraw`). */
export const mutexWithdrawSignal = defineTypedSignal<WithdrawRequest>('mutex.withdraw', (raw) => {
  const obj = parseRecord(raw);
  return { requestId: token(obj, 'requestId'), secret: token(obj, 'secret') };
});

/** An operator's forced release, logged with who did it and why. */
export interface ForceReleaseRequest {
  /** The holder to release; all holders when left out. */
  requestId?: string;
  operator: string;
  reason: string;
}

/** Validates an operator's forced release. */
export function parseForceRelease(raw: unknown): ForceReleaseRequest {
  const obj = parseRecord(raw);
  return {
    requestId: obj.requestId === undefined ? undefined : token(obj, 'requestId'),
    operator: text(obj, 'operator'),
    reason: text(obj, 'reason'),
  };
}

/**
 * An operator's forced release by signal (`mutex.force-release-signal`): needs no update slot, so it gets
 * through while client acquires take every one. `MutexClient.forceRelease` sends it.
 */
export const mutexForceReleaseSignal = defineTypedSignal<ForceReleaseRequest>(
  'mutex.force-release-signal',
  parseForceRelease,
);

/** An operator's forced release (`mutex.force-release`); resolves with the holders it released. */
export const mutexForceReleaseUpdate = defineUpdate<HolderInfo[], [ForceReleaseRequest]>(
  'mutex.force-release',
);

/** A current holder, as queries show it. */
export interface HolderInfo {
  requestId: string;
  requester: Requester;
  fencingToken: number;
  grantedAt: number;
  leaseExpiresAt: number;
}

/** A queued request, as queries show it. */
export interface WaiterInfo {
  requestId: string;
  requester: Requester;
  waitingSince: number;
  expiresAt: number;
}

/** The mutex's state as the `mutex.state` query returns it. Times are epoch ms. */
export interface MutexState {
  resourceId: string;
  permits: number;
  holders: HolderInfo[];
  queue: WaiterInfo[];
  lastFencingToken: number;
  /** The most recent grants (at most 50), oldest first. */
  recentGrants: Array<{ requestId: string; requester: Requester; fencingToken: number; grantedAt: number }>;
  /** How many times this mutex has continued as new. */
  continuedAsNew: number;
  historyLength: number;
}

/**
 * The mutex's state: holders, lease deadlines, queue, last fencing token (`mutex.state`). Query it on
 * the mutex's workflow handle (`mutexWorkflowId(resourceId)`), or call `MutexClient.inspect`.
 */
export const mutexStateQuery = defineQuery<MutexState>('mutex.state');

/**
 * Result of a client acquire update: granted; timed out; refused because the queue is full; or "ask again"
 * (still queued: the mutex is continuing as new, or every client wait slot is taken).
 */
export type ClientAcquireResult =
  | { status: 'granted'; grant: LockGrant }
  | { status: 'timed-out' }
  | { status: 'queue-full'; maxQueueLength: number }
  | {
      status: 'retry';
      /** How many requests wait ahead of this one, when it is queued: the client asks again sooner when few do. */
      ahead?: number;
      /** The mean time between recent grants, in ms, when known: how soon to look again. */
      handoffMs?: number;
    };

/** Which request a client asks about (`mutex.request-status`): its id and the secret it was sent with. */
export interface RequestStatusQuery {
  requestId: string;
  secret: string;
}

/**
 * A client request's status as the mutex sees it: granted (with the grant, for the secret's owner only);
 * queued with `ahead` requests before it; or unknown (never queued, refused, or settled: ask by update to
 * learn which).
 */
export type ClientRequestStatus =
  | { status: 'granted'; grant: LockGrant }
  | { status: 'queued'; ahead: number; handoffMs?: number }
  | { status: 'unknown' };

/** Validates a `mutex.request-status` query's argument. */
export function parseRequestStatusQuery(raw: unknown): RequestStatusQuery {
  const obj = parseRecord(raw);
  return { requestId: token(obj, 'requestId'), secret: token(obj, 'secret') };
}

/**
 * A client's request status (`mutex.request-status`). A query adds no history and takes none of the
 * workflow's 10 update slots, so a client far back in the queue waits by asking this now and then.
 */
export const mutexRequestStatusQuery = defineQuery<ClientRequestStatus, [RequestStatusQuery]>(
  'mutex.request-status',
);

/** Why the mutex refused a request: its queue was full. */
export interface LockRefusal {
  resourceId: string;
  requestId: string;
  reason: 'queue-full';
  /** The queue cap the request found reached. */
  maxQueueLength: number;
}

/** Sent by the mutex to a requesting workflow run whose request it refused (`mutex.lock-refused`). */
export const mutexLockRefusedSignal = defineTypedSignal<LockRefusal>('mutex.lock-refused', (raw) => {
  const obj = parseRecord(raw);
  if (obj.reason !== 'queue-full') throw new Error('reason must be "queue-full"');
  return {
    resourceId: text(obj, 'resourceId'),
    requestId: token(obj, 'requestId'),
    reason: obj.reason,
    maxQueueLength: positiveNumber(obj, 'maxQueueLength'),
  };
});

/** A client's acquire (`mutex.acquire`): enqueues (idempotently by request id) and waits up to the request's timeout. */
export const mutexAcquireUpdate = defineUpdate<ClientAcquireResult, [LockRequest]>('mutex.acquire');
