// The contenders of each system under test. All enter the same protected store (one clock, fencing checked).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import type { Client } from '@temporalio/client';
import { mutexWorkflow, mutexWorkflowId } from '@temporal-patterns/mutex';
import { MutexClient } from '@temporal-patterns/mutex/client';
import { now, type StoreClient } from './store.js';
import { sleep } from './common.js';
import { activityLockContender, articleContender, articleMutexWorkflow, contender } from './workflows.js';
import { articleMutexId } from './article-mutex.js';

/** One contender's record: when it asked (driver clock) and its section's fencing token. */
export interface Ask {
  holder: string;
  askedAt: number;
  fencingToken: number;
}

export interface LockSystem {
  name: string;
  /** One uncontended acquire + release from a client, in ms (driver clock); absent for a workflow-only lock. */
  cycle?(resourceId: string): Promise<number>;
  /**
   * Runs `contenders` loops on `resourceId`; every section goes through the store. The measurement window
   * opens `warmupMs` after the contenders are running and lasts `windowMs`; returns it.
   */
  contend(
    resourceId: string,
    contenders: number,
    holdMs: number,
    window: { warmupMs: number; windowMs: number },
    asks: Ask[],
  ): Promise<{ from: number; until: number }>;
  close(): Promise<void>;
}

const ACQUIRE_LUA = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end return false`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Redis: SET NX PX (plus INCR for a fencing token, in the same script), compare-and-delete release in Lua. */
export async function redisSystem(url: string, store: StoreClient, retryMs: number): Promise<LockSystem> {
  const clients: Array<ReturnType<typeof createClient>> = [];
  const connect = async (): Promise<ReturnType<typeof createClient>> => {
    const c = createClient({ url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const main = await connect();
  const acquire = async (
    c: ReturnType<typeof createClient>,
    key: string,
    value: string,
  ): Promise<number | null> =>
    (await c.eval(ACQUIRE_LUA, { keys: [key, `${key}:fence`], arguments: [value, '30000'] })) as
      number | null;
  const release = (c: ReturnType<typeof createClient>, key: string, value: string) =>
    c.eval(RELEASE_LUA, { keys: [key], arguments: [value] });
  return {
    name: 'redis',
    async cycle(resourceId) {
      const value = randomUUID();
      const t0 = now();
      while ((await acquire(main, resourceId, value)) === null) await sleep(retryMs);
      await release(main, resourceId, value);
      return now() - t0;
    },
    async contend(resourceId, contenders, holdMs, window, asks) {
      // One connection per contender, as separate services would have.
      const conns = await Promise.all(Array.from({ length: contenders }, () => connect()));
      const from = now() + window.warmupMs;
      const until = from + window.windowMs;
      await Promise.all(
        conns.map(async (c, i) => {
          const holder = `redis-${i}`;
          while (now() < until) {
            const value = randomUUID();
            const askedAt = now();
            let token = await acquire(c, resourceId, value);
            while (token === null && now() < until) {
              await sleep(retryMs * (0.5 + Math.random()));
              token = await acquire(c, resourceId, value);
            }
            if (token === null) break;
            asks.push({ holder, askedAt, fencingToken: token });
            await store.criticalSection({ resourceId, holder, fencingToken: token, holdMs });
            await release(c, resourceId, value);
          }
        }),
      );
      await Promise.all(conns.map((c) => c.quit()));
      for (const c of conns) clients.splice(clients.indexOf(c), 1);
      return { from, until };
    },
    async close() {
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
}

function keyOf(resourceId: string): number {
  let h = 0;
  for (const ch of resourceId) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}

/** PostgreSQL: session advisory locks (pg_advisory_lock blocks in the server's lock queue), a sequence as fencing token. */
export async function postgresSystem(url: string, store: StoreClient): Promise<LockSystem> {
  const main = new pg.Client({ connectionString: url });
  await main.connect();
  await main.query('CREATE SEQUENCE IF NOT EXISTS bench_fence');
  const lockSql = 'SELECT nextval($2::regclass)::int AS token FROM (SELECT pg_advisory_lock($1)) AS l';
  return {
    name: 'postgres',
    async cycle(resourceId) {
      const t0 = now();
      await main.query(lockSql, [keyOf(resourceId), 'bench_fence']);
      await main.query('SELECT pg_advisory_unlock($1)', [keyOf(resourceId)]);
      return now() - t0;
    },
    async contend(resourceId, contenders, holdMs, window, asks) {
      const conns = await Promise.all(
        Array.from({ length: contenders }, async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          return c;
        }),
      );
      const key = keyOf(resourceId);
      const from = now() + window.warmupMs;
      const until = from + window.windowMs;
      await Promise.all(
        conns.map(async (c, i) => {
          const holder = `pg-${i}`;
          while (now() < until) {
            const askedAt = now();
            const { rows } = await c.query<{ token: number }>(lockSql, [key, 'bench_fence']);
            const token = (rows[0] as { token: number }).token;
            asks.push({ holder, askedAt, fencingToken: token });
            if (now() < until)
              await store.criticalSection({ resourceId, holder, fencingToken: token, holdMs });
            await c.query('SELECT pg_advisory_unlock($1)', [key]);
          }
        }),
      );
      await Promise.all(conns.map((c) => c.end()));
      return { from, until };
    },
    async close() {
      await main.end();
    },
  };
}

/**
 * Contention by workflows: starts the mutex workflow and `contenders` contender workflows, lets them run
 * for the window (opened once every contender is running: starts are slow on a loaded or disk-backed
 * server), then terminates them all. A contender's first ask is its start.
 */
async function contendWithWorkflows(
  client: Client,
  window: { warmupMs: number; windowMs: number },
  asks: Ask[],
  run: {
    resourceId: string;
    mutexId: string;
    contenders: number;
    startMutex: () => Promise<unknown>;
    startContender: (
      workflowId: string,
    ) => Promise<{ workflowId: string; terminate(reason: string): Promise<unknown> }>;
  },
): Promise<{ from: number; until: number }> {
  await run.startMutex();
  const handles = await Promise.all(
    Array.from({ length: run.contenders }, (_, i) => run.startContender(`${run.resourceId}-w${i}`)),
  );
  const startedAt = now();
  for (const h of handles) asks.push({ holder: h.workflowId, askedAt: startedAt, fencingToken: -1 });
  const from = now() + window.warmupMs;
  const until = from + window.windowMs;
  while (now() < until) await sleep(100);
  await Promise.all(handles.map((h) => h.terminate('bench window over').catch(() => undefined)));
  await client.workflow
    .getHandle(run.mutexId)
    .terminate('bench window over')
    .catch(() => undefined);
  return { from, until };
}

/**
 * The signal-based mutex. Uncontended cycles use MutexClient (update-with-start, then a release update):
 * a client taking a lock, like the Redis and PostgreSQL clients. Contention uses workflows running
 * `withLock` around an activity, the way the pattern is meant to be used; their ask time is the end of
 * their previous section (the workflow asks again right after releasing), or their start. With
 * `releaseInActivity` the protected activity releases the lease itself (`MutexClient.releaseAfter`).
 */
export function temporalSystem(
  client: Client,
  taskQueue: string,
  name = 'temporal',
  {
    releaseInActivity = false,
    grantsByLocalActivity = false,
    lockInActivity = false,
  }: { releaseInActivity?: boolean; grantsByLocalActivity?: boolean; lockInActivity?: boolean } = {},
): LockSystem {
  const mutex = new MutexClient(client, { taskQueue });
  return {
    name,
    async cycle(resourceId) {
      const t0 = now();
      const lease = await mutex.acquire(resourceId, { timeout: '1 minute', lease: '1 minute' });
      await mutex.release(lease);
      return now() - t0;
    },
    contend: (resourceId, contenders, holdMs, window, asks) =>
      contendWithWorkflows(client, window, asks, {
        mutexId: mutexWorkflowId(resourceId),
        startMutex: () =>
          client.workflow.start(mutexWorkflow, {
            workflowId: mutexWorkflowId(resourceId),
            taskQueue,
            args: [{ resourceId, idleTimeoutMs: 60_000, grantsByLocalActivity }],
          }),
        startContender: (workflowId) =>
          lockInActivity
            ? client.workflow.start(activityLockContender, {
                taskQueue,
                workflowId,
                args: [{ resourceId, cycles: 100_000, holdMs, timeoutMs: 600_000 }],
              })
            : client.workflow.start(contender, {
                taskQueue,
                workflowId,
                args: [
                  {
                    resourceId,
                    cycles: 100_000,
                    holdMs,
                    leaseMs: 600_000,
                    timeoutMs: 600_000,
                    releaseInActivity,
                  },
                ],
              }),
        contenders,
        resourceId,
      }),
    async close() {},
  };
}

/**
 * The article's mutex (article-mutex.ts), the baseline: the same contention loop as `temporalSystem` (a
 * workflow per contender, the protected activity between acquire and release), on the article's design.
 */
export function articleSystem(client: Client, taskQueue: string): LockSystem {
  return {
    name: 'article-mutex',
    contend: (resourceId, contenders, holdMs, window, asks) =>
      contendWithWorkflows(client, window, asks, {
        mutexId: articleMutexId(resourceId),
        startMutex: () =>
          client.workflow.start(articleMutexWorkflow, {
            workflowId: articleMutexId(resourceId),
            taskQueue,
            args: [resourceId],
          }),
        startContender: (workflowId) =>
          client.workflow.start(articleContender, {
            taskQueue,
            workflowId,
            args: [{ resourceId, holdMs, timeoutMs: 600_000 }],
          }),
        contenders,
        resourceId,
      }),
    async close() {},
  };
}
