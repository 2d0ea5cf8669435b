/**
 * The mutex's bookkeeping: who holds a grant, who waits, which request ids are settled, and the fencing
 * token. It decides and records but never waits, signals or reads the clock: the workflow
 * (`mutex-workflow.ts`) passes in the time and the grant tokens, delivers what it grants, and wires the
 * handlers and timers. That keeps every rule here testable without a server (`lock-table.test.ts`).
 */
import type { log as workflowLog } from '@temporalio/workflow';
import type {
  ForceReleaseRequest,
  HolderInfo,
  LockGrant,
  LockRequest,
  MutexState,
  ReleaseRequest,
  RenewRequest,
  Requester,
  WithdrawRequest,
} from './definitions.js';

const RECENT_GRANTS_KEPT = 50;
const SETTLED_IDS_KEPT = 2_000;

/** Where the table writes what it decided: the workflow's replay-aware `log`, or a stub in tests. */
export type LockTableLog = Pick<typeof workflowLog, 'debug' | 'info' | 'warn'>;

/** A current grant, with the secrets that authenticate its release, renewal and withdrawal. */
export interface Holder extends HolderInfo {
  secret: string;
  grantToken: string;
}

interface Waiter {
  request: LockRequest;
  waitingSince: number;
  expiresAt: number;
}

/** What a mutex run hands to the next one on continue-as-new (the `carried` field of its input). */
export interface CarriedMutexState {
  holders: Array<HolderInfo & { secret: string; grantToken: string }>;
  queue: Array<{ request: LockRequest; waitingSince: number; expiresAt: number }>;
  lastFencingToken: number;
  recentGrants: MutexState['recentGrants'];
  settledRequestIds: string[];
  continuedAsNew: number;
}

function describeRequester(requester: Requester): string {
  return requester.kind === 'workflow' ? requester.workflowId : `client ${requester.clientId}`;
}

function holderInfo({ requestId, requester, fencingToken, grantedAt, leaseExpiresAt }: Holder): HolderInfo {
  return { requestId, requester, fencingToken, grantedAt, leaseExpiresAt };
}

/** Holders, the FIFO queue, settled request ids, recent grants and the last fencing token of one mutex. */
export class LockTable {
  private readonly holders: Map<string, Holder>;
  private readonly queue: Waiter[];
  private readonly settled: Set<string>;
  private readonly recentGrants: MutexState['recentGrants'];
  private fencingToken: number;

  /**
   * @param now the workflow time at the start of this run. A fresh mutex (nothing carried) starts its
   *   fencing tokens from it × 1000, so a mutex restarted after an idle completion still hands out larger
   *   tokens than its previous run; after that, one more per grant.
   */
  constructor(
    private readonly resourceId: string,
    carried: CarriedMutexState | undefined,
    now: number,
    private readonly log: LockTableLog,
  ) {
    this.holders = new Map((carried?.holders ?? []).map((h) => [h.requestId, h]));
    this.queue = [...(carried?.queue ?? [])];
    this.settled = new Set(carried?.settledRequestIds ?? []);
    this.recentGrants = [...(carried?.recentGrants ?? [])];
    this.fencingToken = carried?.lastFencingToken ?? now * 1000;
  }

  /** The fencing token of the latest grant. */
  get lastFencingToken(): number {
    return this.fencingToken;
  }

  /** True when nobody holds a grant and nobody waits. */
  get isEmpty(): boolean {
    return this.holders.size === 0 && this.queue.length === 0;
  }

  /** The current grant of `requestId`, if it holds one. */
  holder(requestId: string): Holder | undefined {
    return this.holders.get(requestId);
  }

  /** True while `requestId` waits in the queue. */
  isQueued(requestId: string): boolean {
    return this.queuePosition(requestId) >= 0;
  }

  /** How many requests wait ahead of `requestId` in the queue; -1 when it does not wait. */
  queuePosition(requestId: string): number {
    return this.queue.findIndex((w) => w.request.requestId === requestId);
  }

  /** True when `requestId` holds, waits, or was settled (released, expired, withdrawn). */
  isKnown(requestId: string): boolean {
    return this.holders.has(requestId) || this.settled.has(requestId) || this.isQueued(requestId);
  }

  /** Queues a request at `now`; a request id seen before is ignored. Returns true when it was queued. */
  enqueue(request: LockRequest, now: number): boolean {
    const { resourceId } = this;
    if (this.isKnown(request.requestId)) {
      this.log.debug('Duplicate lock request ignored', { resourceId, requestId: request.requestId });
      return false;
    }
    this.queue.push({ request, waitingSince: now, expiresAt: now + request.timeoutMs });
    this.log.debug('Lock requested', {
      resourceId,
      requestId: request.requestId,
      requester: describeRequester(request.requester),
    });
    return true;
  }

  /** Releases a grant when `grantToken` is its current one (`via` names the channel in the log). */
  release(req: ReleaseRequest, via: string): boolean {
    const { resourceId } = this;
    const holder = this.holders.get(req.requestId);
    if (!holder) {
      this.log.info(`Release of a grant that is not held ignored (${via})`, {
        resourceId,
        requestId: req.requestId,
        sender: req.sender,
        reason: this.settled.has(req.requestId)
          ? 'already released, expired or withdrawn'
          : 'unknown request',
      });
      return false;
    }
    if (holder.grantToken !== req.grantToken) {
      this.log.warn(`Release with a wrong grant token ignored (${via})`, {
        resourceId,
        requestId: req.requestId,
        sender: req.sender,
        holder: describeRequester(holder.requester),
        holderRequestId: holder.requestId,
      });
      return false;
    }
    this.settleHolder(holder);
    this.log.debug('Lock released', {
      resourceId,
      requestId: holder.requestId,
      fencingToken: holder.fencingToken,
    });
    return true;
  }

  /** Extends a current grant's lease to `leaseMs` from `now`. Returns false when the grant is not current. */
  renew(req: RenewRequest, now: number): boolean {
    const holder = this.holders.get(req.requestId);
    if (!holder || holder.grantToken !== req.grantToken) {
      this.log.info('Renewal of a grant that is not held ignored', {
        resourceId: this.resourceId,
        requestId: req.requestId,
      });
      return false;
    }
    holder.leaseExpiresAt = now + req.leaseMs;
    return true;
  }

  /**
   * Withdraws a request: out of the queue, or released if it was granted meanwhile. The id is settled even
   * when unknown, so a request delivered after its withdrawal is never queued. Returns false (and changes
   * nothing) when the secret is wrong.
   */
  withdraw(req: WithdrawRequest): boolean {
    const { resourceId } = this;
    const index = this.queue.findIndex((w) => w.request.requestId === req.requestId);
    const waiter = this.queue[index];
    const holder = this.holders.get(req.requestId);
    if ((waiter && waiter.request.secret !== req.secret) || (holder && holder.secret !== req.secret)) {
      this.log.warn('Withdrawal with a wrong secret ignored', { resourceId, requestId: req.requestId });
      return false;
    }
    if (waiter) this.queue.splice(index, 1);
    if (holder) {
      this.holders.delete(holder.requestId);
      this.log.info('Granted request withdrawn by its requester; released', {
        resourceId,
        requestId: req.requestId,
      });
    }
    this.settle(req.requestId);
    return true;
  }

  /** An operator's forced release of one holder (`requestId`) or all; returns those released. */
  forceRelease(req: ForceReleaseRequest): HolderInfo[] {
    const targets = req.requestId
      ? [this.holders.get(req.requestId)].filter((h) => h !== undefined)
      : [...this.holders.values()];
    for (const holder of targets) {
      this.settleHolder(holder);
      this.log.warn('Lock force-released by an operator', {
        resourceId: this.resourceId,
        requestId: holder.requestId,
        holder: describeRequester(holder.requester),
        fencingToken: holder.fencingToken,
        operator: req.operator,
        reason: req.reason,
      });
    }
    return targets.map(holderInfo);
  }

  /** Drops a grant that could not be delivered, unless it has been replaced or released meanwhile. */
  dropUndelivered(holder: Holder): void {
    if (this.holders.get(holder.requestId)?.grantToken === holder.grantToken) this.settleHolder(holder);
  }

  /** Takes back leases that ran out and withdraws requests that waited too long, as of `now`. */
  expire(now: number): void {
    const { resourceId } = this;
    for (const holder of [...this.holders.values()]) {
      if (holder.leaseExpiresAt <= now) {
        this.settleHolder(holder);
        this.log.warn('Lease expired; lock taken back', {
          resourceId,
          requestId: holder.requestId,
          holder: describeRequester(holder.requester),
          fencingToken: holder.fencingToken,
        });
      }
    }
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const waiter = this.queue[i] as Waiter;
      if (waiter.expiresAt <= now) {
        this.queue.splice(i, 1);
        this.settle(waiter.request.requestId);
        this.log.info('Lock request expired in the queue; withdrawn', {
          resourceId,
          requestId: waiter.request.requestId,
        });
      }
    }
  }

  /** True when a waiter can be granted with `permits` grants allowed at once. */
  canGrant(permits: number): boolean {
    return this.holders.size < permits && this.queue.length > 0;
  }

  /** Grants the head of the queue at `now` under `grantToken`, with the next fencing token. */
  grantNext(now: number, grantToken: string): Holder {
    const { request } = this.queue.shift() as Waiter;
    this.fencingToken += 1;
    const holder: Holder = {
      requestId: request.requestId,
      requester: request.requester,
      secret: request.secret,
      grantToken,
      fencingToken: this.fencingToken,
      grantedAt: now,
      leaseExpiresAt: now + request.leaseMs,
    };
    this.holders.set(holder.requestId, holder);
    this.recentGrants.push({
      requestId: holder.requestId,
      requester: holder.requester,
      fencingToken: holder.fencingToken,
      grantedAt: now,
    });
    if (this.recentGrants.length > RECENT_GRANTS_KEPT) this.recentGrants.shift();
    this.log.debug('Lock granted', {
      resourceId: this.resourceId,
      requestId: holder.requestId,
      fencingToken: holder.fencingToken,
    });
    return holder;
  }

  /** What the requester of `holder` receives. */
  grantOf(holder: Holder): LockGrant {
    return {
      resourceId: this.resourceId,
      requestId: holder.requestId,
      fencingToken: holder.fencingToken,
      grantToken: holder.grantToken,
      leaseExpiresAt: holder.leaseExpiresAt,
    };
  }

  /** The mean time between the last 10 grants, in ms: how fast the queue moves. Undefined before 2 grants. */
  handoffMs(): number | undefined {
    const last = this.recentGrants.slice(-10);
    const first = last[0];
    const latest = last.at(-1);
    if (!first || !latest || last.length < 2) return undefined;
    return Math.round((latest.grantedAt - first.grantedAt) / (last.length - 1));
  }

  /** The earliest lease end or queue timeout, or `undefined` when nobody holds or waits. */
  nextDeadline(): number | undefined {
    const deadlines = [
      ...[...this.holders.values()].map((h) => h.leaseExpiresAt),
      ...this.queue.map((w) => w.expiresAt),
    ];
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }

  /** Holders, queue, last token and recent grants as the `mutex.state` query shows them. */
  snapshot(): Pick<MutexState, 'holders' | 'queue' | 'lastFencingToken' | 'recentGrants'> {
    return {
      holders: [...this.holders.values()].map(holderInfo),
      queue: this.queue.map((w) => ({
        requestId: w.request.requestId,
        requester: w.request.requester,
        waitingSince: w.waitingSince,
        expiresAt: w.expiresAt,
      })),
      lastFencingToken: this.fencingToken,
      recentGrants: [...this.recentGrants],
    };
  }

  /** Everything the next run needs, for continue-as-new. */
  carry(continuedAsNew: number): CarriedMutexState {
    return {
      holders: [...this.holders.values()],
      queue: this.queue,
      lastFencingToken: this.fencingToken,
      recentGrants: this.recentGrants,
      settledRequestIds: [...this.settled],
      continuedAsNew,
    };
  }

  /** How many hold a grant and how many wait, for log lines. */
  get counts(): { holders: number; queued: number } {
    return { holders: this.holders.size, queued: this.queue.length };
  }

  private settleHolder(holder: Holder): void {
    this.holders.delete(holder.requestId);
    this.settle(holder.requestId);
  }

  private settle(requestId: string): void {
    this.settled.add(requestId);
    if (this.settled.size > SETTLED_IDS_KEPT)
      this.settled.delete(this.settled.values().next().value as string);
  }
}
