import { randomUUID } from 'node:crypto';
import {
  fetchRunHistories,
  pollUntil,
  replayHistoryFailures,
  useTemporalTestEnv,
} from '@temporal-patterns/temporal-harness/testing';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { MutexClient } from './client.js';
import {
  MAX_REQUESTS_WITH_RELEASE,
  mutexAcquireUpdate,
  mutexReleaseSignal,
  mutexRequestStatusQuery,
  mutexStateQuery,
  type LockRequest,
} from './definitions.js';
import { LockTimeoutError, mutexWorkflowId, type LockLease } from './index.js';
import { workerActivities, workflowsPath } from './__tests__/test-support.js';
import { holdUntilSignalled } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

/**
 * Runs `test` with a worker, a fresh resource's mutex, and a client `holder` holding its lock (1 minute lease).
 */
function withHeldLock(
  name: string,
  test: (held: {
    taskQueue: string;
    resourceId: string;
    mutex: WorkflowHandle;
    holder: MutexClient;
    lease: LockLease;
  }) => Promise<void>,
): Promise<void> {
  return env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
    const resourceId = env.taskQueue(name);
    const mutex = env.client.workflow.getHandle(mutexWorkflowId(resourceId));
    const holder = new MutexClient(env.client, { taskQueue, clientId: 'holder' });
    const lease = await holder.acquire(resourceId, { timeout: '10s', lease: '1 minute' });
    await test({ taskQueue, resourceId, mutex, holder, lease });
  });
}

describe('MutexClient with many client waiters', () => {
  // With both cores kept busy by two spinning processes, 13 runs in a row passed (4 of them with the replay
  // check below); before this client kept its queued clients' places from its own grants, about 1 in 3
  // failed. A history that fails the replay check points at sdk-core applying the events a query brought
  // to the cached run (see known-issues/ and the README's known issue), not at the mutex's code.
  it('lets the holder release and an operator force-release within a second while 100 clients and 3 workflows wait; waiters that give up are withdrawn with LockTimeoutError', async () => {
    await withHeldLock('storm', async ({ taskQueue, resourceId, mutex, holder, lease }) => {
      const workflows = await Promise.all(
        [0, 1, 2].map((i) =>
          env.client.workflow.start(holdUntilSignalled, {
            taskQueue,
            workflowId: env.taskQueue(`wf-${i}`),
            args: [resourceId, { timeoutMs: 60_000 }],
          }),
        ),
      );
      const outcomes = Array.from({ length: 100 }, (_, i) =>
        new MutexClient(env.client, { taskQueue, clientId: `waiter-${i}` })
          .acquire(resourceId, { timeout: '20s', lease: '1 minute' })
          .then(
            (l): { lease: LockLease } | { error: unknown } => ({ lease: l }),
            (error: unknown) => ({ error }),
          ),
      );
      // More waiters than a workflow's 10 in-flight updates, whichever way they wait.
      await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length >= 13, {
        what: 'waiters queued',
        timeoutMs: 60_000,
      });

      const releasedAt = performance.now();
      expect(await holder.release(lease)).toBe(true);
      expect(performance.now() - releasedAt).toBeLessThan(1_000);

      const next = await pollUntil(async () => (await mutex.query(mutexStateQuery)).holders[0], {
        what: 'the next holder',
      });
      const forcedAt = performance.now();
      const forced = await holder.forceRelease(resourceId, { operator: 'ops', reason: 'storm test' });
      expect(performance.now() - forcedAt).toBeLessThan(1_000);
      // The holders released, or none named when the mutex was too busy to answer in time (it is
      // released all the same).
      expect(forced.map((h) => h.requestId)).toEqual(forced.length === 0 ? [] : [next.requestId]);
      await pollUntil(
        async () => !(await mutex.query(mutexStateQuery)).holders.some((h) => h.requestId === next.requestId),
        { what: 'the force-released holder gone', timeoutMs: 60_000 },
      );

      for (const wf of workflows) await wf.terminate('test over');
      const settled = await Promise.all(outcomes);
      for (const outcome of settled) {
        if ('error' in outcome) expect(outcome.error).toBeInstanceOf(LockTimeoutError);
      }
      // A client that gave up withdrew its request: no client is left waiting.
      const state = await mutex.query(mutexStateQuery);
      expect(state.queue.filter((w) => w.requester.kind === 'client')).toEqual([]);
      // Only clients near the head waited inside updates (every client asked by update before).
      const runs = await fetchRunHistories(env.client, mutex.workflowId);
      const updates = runs
        .flatMap((run) => run.events ?? [])
        .filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(updates.length).toBeLessThan(20);
      // Every run of the mutex replays against its code.
      const replay = await replayHistoryFailures(
        workflowsPath,
        runs.map((history) => ({ workflowId: mutex.workflowId, history })),
      );
      expect(replay.failures).toEqual([]);
    });
  });
  it('grants 12 queued clients in the order they asked, each once, whether they waited by status query or by update', async () => {
    await withHeldLock('fifo-clients', async ({ taskQueue, resourceId, mutex, holder, lease }) => {
      const order: string[] = [];
      const waiters: Array<Promise<void>> = [];
      for (let i = 0; i < 12; i++) {
        const clientId = `waiter-${i}`;
        const client = new MutexClient(env.client, { taskQueue, clientId });
        waiters.push(
          client.withLock(resourceId, { timeout: '2 minutes', lease: '1 minute' }, async () => {
            order.push(clientId);
          }),
        );
        // Queued one after the other, so the order they asked in is known.
        await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length === i + 1, {
          what: `${clientId} queued`,
        });
      }
      expect(await holder.release(lease)).toBe(true);
      await Promise.all(waiters);
      expect(order).toEqual(Array.from({ length: 12 }, (_, i) => `waiter-${i}`));
      const state = await mutex.query(mutexStateQuery);
      expect(state.recentGrants.map((g) => g.requester)).toEqual(
        ['holder', ...order].map((clientId) => ({ kind: 'client', clientId })),
      );
    });
  });
  it("moves one process's queued clients into update waits by that process's own grants: 12 clients get the lock in order with every status query left unanswered", async () => {
    await withHeldLock('local-grants', async ({ taskQueue, resourceId, mutex, holder, lease }) => {
      // A client whose status queries never come back: its clients learn their place only from the updates'
      // answers and from the grants of this process.
      let statusQueries = 0;
      const mute = new Client({
        connection: env.client.connection,
        namespace: env.client.options.namespace,
        interceptors: {
          workflow: [
            {
              query: (input, next) => {
                if (input.queryType !== mutexRequestStatusQuery.name) return next(input);
                statusQueries += 1;
                return new Promise(() => undefined);
              },
            },
          ],
        },
      });
      const order: string[] = [];
      const waiters: Array<Promise<void>> = [];
      for (let i = 0; i < 12; i++) {
        const clientId = `waiter-${i}`;
        waiters.push(
          new MutexClient(mute, { taskQueue, clientId }).withLock(
            resourceId,
            { timeout: '2 minutes', lease: '1 minute' },
            async () => {
              order.push(clientId);
            },
          ),
        );
        await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length === i + 1, {
          what: `${clientId} queued`,
        });
      }
      // The last 7 queued by signal (this process waits in 5 updates at most) and looked by query.
      expect(statusQueries).toBeGreaterThan(0);
      expect(await holder.release(lease)).toBe(true);
      await Promise.all(waiters);
      expect(order).toEqual(Array.from({ length: 12 }, (_, i) => `waiter-${i}`));
    });
  });
  it('takes the lock requests a release carries, in order, after the release; a malformed one, or a list over the cap, is left out and the release still counts', async () => {
    await withHeldLock('riders', async ({ mutex, lease }) => {
      const rider = (clientId: string): LockRequest => ({
        requestId: randomUUID(),
        secret: randomUUID(),
        requester: { kind: 'client', clientId },
        leaseMs: 60_000,
        timeoutMs: 60_000,
      });
      const [first, second] = [rider('first'), rider('second')];
      await mutex.signal(mutexReleaseSignal.definition, {
        requestId: lease.requestId,
        grantToken: lease.grantToken,
        sender: 'holder',
        requests: [first, { requestId: 'not a request' } as unknown as LockRequest, second],
      });
      const granted = await pollUntil(
        async () => {
          const state = await mutex.query(mutexStateQuery);
          return state.holders[0]?.requestId === first.requestId ? state : undefined;
        },
        { what: 'the first carried request granted' },
      );
      expect(granted.queue.map((w) => w.requestId)).toEqual([second.requestId]);

      // Over the cap: the release counts, and none of the requests is taken.
      const status = await mutex.query(mutexRequestStatusQuery, {
        requestId: first.requestId,
        secret: first.secret,
      });
      if (status.status !== 'granted') throw new Error(`first is ${status.status}`);
      await mutex.signal(mutexReleaseSignal.definition, {
        requestId: first.requestId,
        grantToken: status.grant.grantToken,
        requests: Array.from({ length: MAX_REQUESTS_WITH_RELEASE + 1 }, (_, i) => rider(`over-${i}`)),
      });
      const after = await pollUntil(
        async () => {
          const state = await mutex.query(mutexStateQuery);
          return state.holders[0]?.requestId === second.requestId ? state : undefined;
        },
        { what: 'the second carried request granted' },
      );
      expect(after.queue).toEqual([]);
    });
  });
  it('keeps update waits for the first 5 places of the queue: a client further back is told its place and the pace at once', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('near-head');
      const mutex = env.client.workflow.getHandle(mutexWorkflowId(resourceId));
      const holder = new MutexClient(env.client, { taskQueue, clientId: 'holder' });
      // Grants to time, then a holder, then 6 workflows queued: no client update waits yet.
      for (let i = 0; i < 3; i++) {
        await holder.release(await holder.acquire(resourceId, { timeout: '10s' }));
      }
      const lease = await holder.acquire(resourceId, { timeout: '10s', lease: '1 minute' });
      const workflows = [];
      for (let i = 0; i < 6; i++) {
        workflows.push(
          await env.client.workflow.start(holdUntilSignalled, {
            taskQueue,
            workflowId: env.taskQueue(`wf-${i}`),
            args: [resourceId, { timeoutMs: 60_000 }],
          }),
        );
        await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length === i + 1, {
          what: `workflow ${i} queued`,
        });
      }
      const request = {
        requestId: 'far-back',
        secret: 'far-back-secret',
        requester: { kind: 'client', clientId: 'probe' },
        leaseMs: 60_000,
        timeoutMs: 60_000,
      } as const;
      // The update answers without waiting (before the patch it waited in a free slot until the timeout).
      const result = await env.client.withDeadline(Date.now() + 5_000, () =>
        mutex.executeUpdate(mutexAcquireUpdate, { args: [request] }),
      );
      expect(result).toMatchObject({ status: 'retry', ahead: 6 });
      expect(result.status === 'retry' && result.handoffMs).toBeGreaterThanOrEqual(0);
      expect(
        await mutex.query(mutexRequestStatusQuery, { requestId: 'far-back', secret: 'far-back-secret' }),
      ).toMatchObject({ status: 'queued', ahead: 6 });
      await holder.release(lease);
      for (const wf of workflows) await wf.terminate('test over');
    });
  });
});
