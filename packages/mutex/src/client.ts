/**
 * Client entry: for workers, activities and applications. Never import it from workflow code: it pulls
 * in `@temporalio/client` and Node built-ins, which the workflow sandbox cannot load. It re-exports the
 * root entry, so one import serves a worker's whole setup.
 */
import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { durationToMs } from '@temporal-patterns/signal-utils/pattern-kit';
import {
  mutexAcquireUpdate,
  mutexForceReleaseSignal,
  mutexLockGrantedSignal,
  mutexLockRequestSignal,
  MAX_REQUESTS_WITH_RELEASE,
  mutexReleaseSignal,
  mutexRequestStatusQuery,
  mutexStateQuery,
  mutexWithdrawSignal,
  type ClientAcquireResult,
  type ClientRequestStatus,
  type HolderInfo,
  type LockGrant,
  type LockRequest,
  type MutexState,
} from './definitions.js';
import { LockQueueFullError, LockTimeoutError } from './errors.js';
import {
  DEFAULT_MUTEX_ID_PREFIX,
  mutexWorkflowId,
  type DeliverGrantActivityInput,
  type LockLease,
  type MutexActivities,
  type ReleasedInActivity,
  type RequestLockActivityInput,
} from './lock.js';
import { MAX_WAITING_CLIENT_UPDATES, mutexWorkflow, validateMutexLimits } from './mutex-workflow.js';

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
  /** `maxQueueLength` of a mutex this call starts (see `MutexWorkflowInput`). Defaults to 1,000. */
  maxQueueLength?: number;
}

// gRPC status codes: the server refused for load (too many updates in flight), or our deadline passed.
const RESOURCE_EXHAUSTED = 8;
const DEADLINE_EXCEEDED = 4;
// A queued client far from the head waits by asking its status (a query: no history, no update slot), at
// a pace set by how fast the queue has moved for it; near the head it waits inside an update, so its grant
// reaches it at once. The first guess is one handoff every 200 ms: 100 clients looking at that pace ask
// about 30 queries a second between them, fewer as they learn the real pace.
const FIRST_MS_PER_HANDOFF = 200;
const MIN_PAUSE_MS = 20;
// How long a request waits to go along with a release of this process (a local holder's) before it is
// sent alone: about one handoff of a busy mutex (25-35 ms measured with 16 contenders).
const RIDE_WITH_RELEASE_MS = 50;
const MAX_PAUSE_MS = 5_000;

// The server fails an update accepted by a run that then continued as new; the request went with it.
// It also fails an update whose workflow task it lost ("unexpected workflow task failure", seen with 4
// clients taking turns); a queued request keeps its place.
const ASK_AGAIN_MESSAGES =
  /completed before the Update completed|continued as new|workflow is closing|unexpected workflow task failure/i;

/**
 * True when an attempt failed only for want of an update slot, because the mutex was continuing as new,
 * or because our deadline passed: ask again (the request keeps its place if it was queued).
 */
function askAgain(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === RESOURCE_EXHAUSTED || code === DEADLINE_EXCEEDED || /RESOURCE_EXHAUSTED/.test(e.message)) {
      return true;
    }
    if (ASK_AGAIN_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * How long a queued client waits before asking again: about until it would come within the update slots
 * at the pace the queue has moved (`msPerHandoff`), with jitter so clients do not ask in step.
 */
function pauseMs(ahead: number, msPerHandoff: number): number {
  const handoffsToGo = Math.max(1, ahead - MAX_WAITING_CLIENT_UPDATES + 1);
  // Look again after one half to three quarters of that time: early rather than late, but not so early
  // that the queries pile up (a mutex's worker answers them between its workflow tasks). Grants to this
  // process wake it sooner (see ProcessClients.granted).
  const ms = msPerHandoff * handoffsToGo * (0.5 + Math.random() * 0.25);
  return Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, ms));
}

/**
 * Waiters per mutex, first come first served. A waiter whose time runs out leaves its line; one taken from
 * its line is settled by its taker.
 */
class WaitLines<T> {
  private readonly lines = new Map<string, Array<{ item: T; settle: (taken: boolean) => void }>>();

  has(key: string): boolean {
    return this.lines.has(key);
  }

  /** Waits in `key`'s line with `item`: what its taker settles it with, or false after `ms`. */
  wait(key: string, item: T, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const line = this.lines.get(key) ?? [];
      this.lines.set(key, line);
      const waiter = {
        item,
        settle: (taken: boolean) => {
          clearTimeout(timer);
          resolve(taken);
        },
      };
      const timer = setTimeout(() => {
        const at = line.indexOf(waiter);
        // Gone from the line: taken, and its taker settles it.
        if (at < 0) return;
        line.splice(at, 1);
        if (line.length === 0 && this.lines.get(key) === line) this.lines.delete(key);
        resolve(false);
      }, ms);
      line.push(waiter);
    });
  }

  /** Takes up to `count` waiters from the front of `key`'s line; the caller settles each. */
  take(key: string, count: number): Array<{ item: T; settle: (taken: boolean) => void }> {
    const line = this.lines.get(key) ?? [];
    const taken = line.splice(0, count);
    if (line.length === 0) this.lines.delete(key);
    return taken;
  }
}

/**
 * What this process knows of its clients of each mutex (keyed by namespace and workflow id).
 *
 * - Update slots. A process never waits in more than 5 of a mutex's 10 update slots: its other clients
 *   queue by signal and look by query, so a burst of clients in one process never meets the server's
 *   refusal (which the SDK retries, in waves). A client near the head of the queue that finds every slot
 *   taken waits for the next one to free up, and gets it before any new ask: the head of the queue stays
 *   inside updates, where its grant reaches it at once (a status query can wait for the mutex's next
 *   workflow task: 240-670 ms under 16 contenders).
 * - Places. Each grant to this process moves its other clients one place up, and wakes those it brings
 *   near the head: a queue of local clients moves at the pace of the update waits, not of the status
 *   queries.
 * - Requests riding on releases. A client that queues while a release from this process is due sends its
 *   request along with that release, so the mutex takes both in one workflow task.
 */
class ProcessClients {
  private readonly inFlight = new Map<string, number>();
  // Clients near the head waiting for a slot; each takes the slot it is handed.
  private readonly slotWaiters = new WaitLines<undefined>();
  // The clients of this process inside acquire, per mutex, in the order they started.
  private readonly places = new Map<string, Set<QueuePlace>>();
  // The last pace of the queue a client of this process learned, per mutex: where the next one starts.
  private readonly paces = new Map<string, number>();
  // The grants this process's clients hold, per mutex (request id → lease end).
  private readonly holding = new Map<string, Map<string, number>>();
  // Lock requests waiting to go along with this process's next release of the mutex.
  private readonly riders = new WaitLines<LockRequest>();

  /** Runs one acquire of this process, with its place in the queue as this process sees it. */
  async counted<T>(key: string, acquire: (place: QueuePlace) => Promise<T>): Promise<T> {
    const set = this.places.get(key) ?? new Set();
    this.places.set(key, set);
    // One that queues by signal has at least the earlier ones ahead of it (all of them, when every
    // contender is in this process).
    const place = new QueuePlace(() => {
      let earlier = 0;
      for (const other of set) {
        if (other === place) break;
        earlier += 1;
      }
      return earlier;
    });
    set.add(place);
    try {
      return await acquire(place);
    } finally {
      set.delete(place);
      if (set.size === 0) this.places.delete(key);
    }
  }

  /** The pace a client of this process last learned for this mutex, if any (ms per handoff). */
  lastPace(key: string): number | undefined {
    return this.paces.get(key);
  }

  learnedPace(key: string, msPerHandoff: number): void {
    remember(this.paces, key, msPerHandoff);
  }

  /**
   * Runs `ask` in one of the mutex's slots. When all are taken: undefined at once, without running it; or,
   * for a client near the head (`waitUntil` given), after waiting for a slot, undefined only if none frees
   * up before `waitUntil` (epoch ms).
   */
  async run<T>(key: string, ask: () => Promise<T>, waitUntil?: number): Promise<T | undefined> {
    const taken = this.inFlight.get(key) ?? 0;
    if (taken < MAX_WAITING_CLIENT_UPDATES && !this.slotWaiters.has(key)) {
      this.inFlight.set(key, taken + 1);
    } else if (
      waitUntil === undefined ||
      // Handed a slot: it stays counted as in flight.
      !(await this.slotWaiters.wait(key, undefined, Math.max(0, waitUntil - Date.now())))
    ) {
      return undefined;
    }
    try {
      return await ask();
    } finally {
      this.free(key);
    }
  }

  /** A slot freed up: handed to the first client near the head waiting for one, else given back. */
  private free(key: string): void {
    const [next] = this.slotWaiters.take(key, 1);
    if (next) return next.settle(true);
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left > 0) this.inFlight.set(key, left);
    else this.inFlight.delete(key);
  }

  /**
   * A client of this process was granted: it holds until it releases (or its lease ends), and every other
   * client of this process has one fewer ahead (at least; grants to other processes move the queue too).
   * Those it brings near the head go to wait inside an update. With all the contenders in one process,
   * the queue moves with no status query at all.
   */
  granted(key: string, requestId: string, leaseExpiresAt: number): void {
    remember(
      this.holding,
      key,
      (this.holding.get(key) ?? new Map<string, number>()).set(requestId, leaseExpiresAt),
    );
    for (const place of this.places.get(key) ?? []) place.moved();
  }

  /**
   * Whether a release from this process is likely soon: one of its clients holds the mutex, or waits for
   * it inside an update (near the head of the queue).
   */
  private releaseDue(key: string): boolean {
    if ((this.inFlight.get(key) ?? 0) > 0) return true;
    const leases = this.holding.get(key);
    if (!leases) return false;
    const now = Date.now();
    for (const [requestId, end] of leases) if (end <= now) leases.delete(requestId);
    if (leases.size === 0) this.holding.delete(key);
    return leases.size > 0;
  }

  /**
   * Queues `request` with this process's next release of the mutex, when one is due: the mutex then takes
   * the request in the release's workflow task, not in one of its own. Resolves true once a release
   * carried it; false when none is due, or none went within `waitMs` (send it alone).
   */
  ride(key: string, request: LockRequest, waitMs: number): Promise<boolean> {
    return this.releaseDue(key) ? this.riders.wait(key, request, waitMs) : Promise.resolve(false);
  }

  /**
   * Sends a release of this process's lease on `key` with the requests waiting to go along, and tells
   * them whether they went (if not, each is sent alone).
   */
  async release(
    key: string,
    requestId: string,
    send: (requests: LockRequest[]) => Promise<void>,
  ): Promise<void> {
    this.holding.get(key)?.delete(requestId);
    const riders = this.riders.take(key, MAX_REQUESTS_WITH_RELEASE);
    try {
      await send(riders.map((r) => r.item));
    } catch (err) {
      for (const rider of riders) rider.settle(false);
      throw err;
    }
    for (const rider of riders) rider.settle(true);
  }
}

/**
 * Where one acquire of this process stands in the queue, as far as it knows: `ahead` is the last figure
 * the mutex gave, less the grants this process has seen since. `near` resolves once that is fewer than
 * MAX_WAITING_CLIENT_UPDATES, so a client sleeping or waiting for a status answer goes to an update then.
 */
class QueuePlace {
  ahead = Number.POSITIVE_INFINITY;
  near!: Promise<void>;
  private nearNow!: () => void;

  constructor(readonly earlierLocalClients: () => number) {
    this.rearm();
  }

  /** The mutex's figure, or this process's estimate. */
  set(ahead: number): void {
    if (this.ahead < MAX_WAITING_CLIENT_UPDATES && ahead >= MAX_WAITING_CLIENT_UPDATES) this.rearm();
    this.ahead = ahead;
    if (ahead < MAX_WAITING_CLIENT_UPDATES) this.nearNow();
  }

  moved(): void {
    this.set(this.ahead - 1);
  }

  get isNear(): boolean {
    return this.ahead < MAX_WAITING_CLIENT_UPDATES;
  }

  private rearm(): void {
    this.near = new Promise((resolve) => (this.nearNow = resolve));
  }
}

const processClients = new ProcessClients();

// The most mutexes a process keeps paces and holders for: a process that locks many resources over its
// life forgets the oldest.
const MAX_REMEMBERED_MUTEXES = 1_000;

/** `map.set(key, value)`, as the newest entry, dropping the oldest over MAX_REMEMBERED_MUTEXES. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED_MUTEXES) map.delete(map.keys().next().value as string);
}

/** Follows how fast one request moves up the queue, from the positions its status queries report. */
class QueuePace {
  private last: { ahead: number; at: number } | undefined;

  /** Starts from `msPerHandoff`: the pace last learned in this process, if any. */
  constructor(public msPerHandoff = FIRST_MS_PER_HANDOFF) {}

  /** `handoffMs`: the mutex's own figure, when it gives one; else the pace is learned from `ahead`. */
  observe(ahead: number, at: number, handoffMs?: number): void {
    const { last } = this;
    if (last !== undefined && ahead >= last.ahead) {
      // No move since the last look: the holder is slow, look less often.
      this.msPerHandoff = Math.min(MAX_PAUSE_MS, Math.max(handoffMs ?? 0, this.msPerHandoff * 2));
    } else if (handoffMs !== undefined) {
      this.msPerHandoff = handoffMs;
    } else if (last !== undefined) {
      this.msPerHandoff = (at - last.at) / (last.ahead - ahead);
    }
    this.last = { ahead, at };
  }
}

// How long release and forceRelease wait for the mutex to say who holds before they release regardless.
const QUERY_DEADLINE_MS = 400;
// How long a waiting client waits for its status query (10-40 ms from an idle worker). A query sent while
// the mutex's workflow task runs can wait for its next task (measured: 1.3-4.3 s with 4 clients taking
// turns), so a late answer is not awaited.
const STATUS_DEADLINE_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps `ms`, or less when `unless` resolves first. */
async function sleepUnless(ms: number, unless: Promise<void> | undefined): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), unless]);
  clearTimeout(timer);
}

/**
 * `answer`, or undefined when it comes after `ms`: a query can wait for the mutex's next workflow task, so
 * a late answer is not awaited, and a late failure is dropped.
 */
function unlessLate<T>(answer: Promise<T>, ms: number): Promise<T | undefined> {
  answer.catch(() => undefined);
  return Promise.race([answer, sleep(ms).then(() => undefined)]);
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

  /**
   * Waits for the lock; rejects with `LockTimeoutError` after `timeout`, or `LockQueueFullError` when the
   * mutex's queue is full. A call that gives up (timeout, error) withdraws its request, so it is never
   * granted to nobody.
   *
   * The first ask is an Update-with-Start (the mutex is created on demand): while fewer than 5 client
   * acquires wait inside updates, it waits there and gets its grant at once. This process never has more
   * than 5 acquires of one mutex in updates: beyond that it queues the request by signal-with-start. A
   * request with 5 or more ahead of it waits by asking its status by query (no history, no update slot), at
   * the pace the queue has moved for it (every 20 ms to 5 s), and by update again once fewer are ahead:
   * as soon as a query says so, or as soon as this process's own grants have moved it that far up.
   */
  async acquire(resourceId: string, options: ClientAcquireOptions): Promise<LockLease> {
    validateMutexLimits('MutexClient.acquire', options);
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
    const start = {
      workflowId,
      taskQueue: this.options.taskQueue,
      args: [
        {
          resourceId,
          permits: options.permits,
          idleTimeoutMs: options.idleTimeout === undefined ? undefined : durationToMs(options.idleTimeout),
          maxQueueLength: options.maxQueueLength,
        },
      ] as Parameters<typeof mutexWorkflow>,
    };
    const handle = this.client.workflow.getHandle(workflowId);
    const enqueue = () =>
      this.client.workflow.signalWithStart(mutexWorkflow, {
        ...start,
        signal: mutexLockRequestSignal.definition,
        signalArgs: [request],
      });
    // Undefined when the answer is late or the mutex too busy: look again later.
    const status = (): Promise<ClientRequestStatus | undefined> =>
      unlessLate(
        handle
          .query(mutexRequestStatusQuery, { requestId: request.requestId, secret: request.secret })
          .catch((err: unknown): ClientRequestStatus | undefined =>
            // Gone, or a worker without this query: the update says what became of the request.
            err instanceof WorkflowNotFoundError || !askAgain(err) ? { status: 'unknown' } : undefined,
          ),
        STATUS_DEADLINE_MS,
      );
    // Waits inside an update while a slot is free; otherwise says why not. Starts a mutex that is gone.
    const askByUpdate = async (): Promise<ClientAcquireResult> => {
      try {
        // The deadline also cuts short the SDK's own retries of a refused update.
        return await this.client.withDeadline(deadline, () =>
          this.client.workflow.executeUpdateWithStart(mutexAcquireUpdate, {
            args: [request],
            startWorkflowOperation: new WithStartWorkflowOperation(mutexWorkflow, {
              ...start,
              workflowIdConflictPolicy: 'USE_EXISTING',
            }),
          }),
        );
      } catch (err) {
        if (!askAgain(err) && Date.now() < deadline) throw err;
        return { status: 'retry' };
      }
    };
    const key = this.processKey(workflowId);
    const pace = new QueuePace(processClients.lastPace(key));
    const observe = (ahead: number, handoffMs: number | undefined) => {
      pace.observe(ahead, Date.now(), handoffMs);
      if (handoffMs !== undefined) processClients.learnedPace(key, handoffMs);
    };
    const won = (grant: LockGrant): LockLease => {
      processClients.granted(key, request.requestId, grant.leaseExpiresAt);
      return { ...grant, mutexWorkflowId: workflowId };
    };
    return processClients.counted(key, async (place): Promise<LockLease> => {
      let byUpdate = true;
      let queuedBySignal = false;
      try {
        while (Date.now() < deadline) {
          // Whether a client near the head asks by update at once (after a query, or a signal), rather than
          // after a pause (the update itself said to ask again: the mutex's update waits were all taken).
          let askNow = !byUpdate;
          if (byUpdate) {
            const nearHead = place.isNear;
            const result = await processClients.run(key, askByUpdate, nearHead ? deadline : undefined);
            // Near the head, undefined means no slot freed up before the deadline.
            if (result === undefined && nearHead) continue;
            if (result === undefined) {
              // This process already has its share of waits in updates: queue by signal.
              // With a release of this process on its way, the request goes along with it.
              if (!queuedBySignal && !(await processClients.ride(key, request, RIDE_WITH_RELEASE_MS))) {
                await enqueue();
              }
              queuedBySignal = true;
              place.set(place.earlierLocalClients());
              askNow = true;
            } else if (result.status === 'granted') {
              return won(result.grant);
            } else if (result.status === 'timed-out') {
              break;
            } else if (result.status === 'queue-full') {
              throw new LockQueueFullError(resourceId, request.requestId, result.maxQueueLength);
            } else if (result.ahead !== undefined) {
              place.set(result.ahead);
              observe(result.ahead, result.handoffMs);
            }
          } else {
            // The status, or this process's grants bringing it near the head first (the answer can be slow).
            const seen = await Promise.race([status(), place.near.then(() => undefined)]);
            if (seen?.status === 'granted') return won(seen.grant);
            if (seen?.status === 'unknown') {
              // Not queued (refused, settled, or a lost run): the update queues it or says why not.
              byUpdate = true;
              continue;
            }
            if (seen?.status === 'queued') {
              // A late answer is older than the grants this process has seen since: keep the lower figure.
              place.set(Math.min(place.ahead, seen.ahead));
              observe(place.ahead, seen.handoffMs);
            }
          }
          // Near the head: wait inside an update. Further back, or not known: look by query after a pause,
          // or by update as soon as this process's grants bring it near the head.
          byUpdate = place.isNear;
          if (byUpdate && askNow) continue;
          const ahead = Number.isFinite(place.ahead) ? place.ahead : MAX_WAITING_CLIENT_UPDATES;
          const pause = Math.min(pauseMs(ahead, pace.msPerHandoff), Math.max(0, deadline - Date.now()));
          await sleepUnless(pause, byUpdate ? undefined : place.near);
          byUpdate = place.isNear;
        }
      } catch (err) {
        await this.withdraw(workflowId, request);
        throw err;
      }
      await this.withdraw(workflowId, request);
      throw new LockTimeoutError(resourceId, request.requestId, timeoutMs);
    });
  }

  /** What this process's clients of one mutex are kept under: one per namespace and mutex workflow id. */
  private processKey(mutexWorkflowId: string): string {
    return `${this.client.options.namespace}/${mutexWorkflowId}`;
  }

  /** Withdraws a request this client gave up on: out of the queue, or released if it was granted meanwhile. */
  private async withdraw(workflowId: string, request: LockRequest): Promise<void> {
    await this.client.workflow
      .getHandle(workflowId)
      .signal(mutexWithdrawSignal.definition, { requestId: request.requestId, secret: request.secret })
      .catch(() => {
        // Gone or unreachable: a mutex that is gone holds nothing, and an unreachable one lets the
        // request expire in its queue at the timeout.
      });
  }

  /**
   * Releases a lease; resolves false when it was no longer current (expired, force-released, or released).
   *
   * The release goes by signal, which needs none of the mutex's 10 update slots, so client acquires waiting
   * in updates never hold it up. Whether the grant was current is asked first by query; a mutex too busy
   * to answer within 0.4 seconds is released all the same, and the answer is then whether the lease had
   * not yet run out by this machine's clock.
   */
  async release(lease: LockLease): Promise<boolean> {
    const handle = this.client.workflow.getHandle(lease.mutexWorkflowId);
    try {
      const holders = await this.holders(handle);
      if (holders !== undefined && !holders.some((h) => h.requestId === lease.requestId)) return false;
      await this.sendRelease(lease);
      return holders !== undefined || lease.leaseExpiresAt > Date.now();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** The mutex's holders, or undefined when it does not answer the query in time (a busy worker). */
  private holders(handle: WorkflowHandle): Promise<HolderInfo[] | undefined> {
    return unlessLate(
      handle.query(mutexStateQuery).then(
        (state) => state.holders,
        (err: unknown) => {
          if (askAgain(err)) return undefined;
          throw err;
        },
      ),
      QUERY_DEADLINE_MS,
    );
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
      await this.sendRelease(lease);
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
      // Straight to the signal: whether the lease was still current does not matter here.
      await this.sendRelease(lease).catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    }
  }

  /** The release signal for `lease`, authenticated by its grant token. */
  private sendRelease(lease: LockLease): Promise<void> {
    return processClients.release(this.processKey(lease.mutexWorkflowId), lease.requestId, (requests) =>
      this.client.workflow.getHandle(lease.mutexWorkflowId).signal(mutexReleaseSignal.definition, {
        requestId: lease.requestId,
        grantToken: lease.grantToken,
        sender: this.clientId,
        ...(requests.length > 0 ? { requests } : {}),
      }),
    );
  }

  /**
   * An operator's forced release of one holder (`requestId`) or all; logged by the mutex with `operator`
   * and `reason`. Resolves with the holders released: those holding when it was sent. Like `release`, it
   * goes by signal, so waiting client acquires never hold it up; a mutex too busy to answer the state
   * query within 0.4 seconds is released all the same, and the result is then empty.
   */
  async forceRelease(
    resourceId: string,
    options: { requestId?: string; operator: string; reason: string },
  ): Promise<HolderInfo[]> {
    const handle = this.client.workflow.getHandle(mutexWorkflowId(resourceId, this.prefix));
    const holders = await this.holders(handle);
    if (holders === undefined) {
      // Too busy to say who holds: release as asked, and report nobody.
      await handle.signal(mutexForceReleaseSignal.definition, options);
      return [];
    }
    const targets = holders.filter(
      (h) => options.requestId === undefined || h.requestId === options.requestId,
    );
    // One signal per holder, naming it: a holder granted meanwhile is not released unseen.
    for (const holder of targets) {
      await handle.signal(mutexForceReleaseSignal.definition, {
        requestId: holder.requestId,
        operator: options.operator,
        reason: options.reason,
      });
    }
    return targets;
  }
}
