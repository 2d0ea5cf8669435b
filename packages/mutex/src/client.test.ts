import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { MutexClient } from './client.js';
import { mutexStateQuery } from './definitions.js';
import { LockTimeoutError, mutexWorkflowId } from './index.js';
import { workerActivities, workflowsPath } from './__tests__/test-support.js';
import {
  holdUntilSignalled,
  leaseQuery,
  withLockBodyThrows,
  withLockUntilCancelled,
} from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('MutexClient', () => {
  it('acquires from a client (creating the mutex), shows the holder, times out a second client, and force-releases', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('client-r');
      const alice = new MutexClient(env.client, { taskQueue, clientId: 'alice' });
      const bob = new MutexClient(env.client, { taskQueue, clientId: 'bob' });
      expect(await alice.inspect(resourceId)).toBeUndefined();

      const lease = await alice.acquire(resourceId, { timeout: '10s', lease: '1 minute' });
      const state = await alice.inspect(resourceId);
      expect(state?.holders).toEqual([
        expect.objectContaining({
          requestId: lease.requestId,
          requester: { kind: 'client', clientId: 'alice' },
          fencingToken: lease.fencingToken,
        }),
      ]);

      await expect(bob.acquire(resourceId, { timeout: 500 })).rejects.toBeInstanceOf(LockTimeoutError);
      expect((await bob.inspect(resourceId))?.queue).toEqual([]);

      const released = await bob.forceRelease(resourceId, {
        operator: 'ops@example.com',
        reason: 'holder stuck',
      });
      expect(released.map((h) => h.requestId)).toEqual([lease.requestId]);
      expect((await alice.inspect(resourceId))?.holders).toEqual([]);
      expect(env.logsMatching('Lock force-released by an operator').at(-1)?.meta).toMatchObject({
        operator: 'ops@example.com',
        reason: 'holder stuck',
        requestId: lease.requestId,
      });
      expect(await alice.release(lease)).toBe(false);

      const again = await bob.withLock(resourceId, { timeout: '5s' }, async (l) => l.fencingToken);
      expect(again).toBeGreaterThan(lease.fencingToken);
      expect((await bob.inspect(resourceId))?.holders).toEqual([]);
    });
  });

  it('rejects a malformed client acquire without disturbing the mutex', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('client-r');
      const mutex = new MutexClient(env.client, { taskQueue });
      const lease = await mutex.acquire(resourceId, { timeout: '5s' });
      const handle = env.client.workflow.getHandle(mutexWorkflowId(resourceId));
      const rejected = await handle
        .executeUpdate('mutex.acquire', { args: [{ requestId: 42 }] })
        .catch((err: unknown) => err);
      expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((rejected as WorkflowUpdateFailedError).cause?.message).toMatch(
        /requestId must be a non-empty string/,
      );
      expect((await handle.query(mutexStateQuery)).holders.map((h) => h.requestId)).toEqual([
        lease.requestId,
      ]);
      expect(await mutex.release(lease)).toBe(true);
    });
  });
});

describe('withLock', () => {
  it('releases when the protected work throws', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const error = await env.client.workflow
        .execute(withLockBodyThrows, { taskQueue, workflowId: env.taskQueue('thrower'), args: [resourceId] })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const state = await env.client.workflow.getHandle(mutexWorkflowId(resourceId)).query(mutexStateQuery);
      expect(state.recentGrants).toHaveLength(1);
      await pollUntil(
        async () =>
          (await env.client.workflow.getHandle(mutexWorkflowId(resourceId)).query(mutexStateQuery)).holders
            .length === 0,
        { what: 'release' },
      );
    });
  });

  it('releases when the holding workflow is cancelled, and withdraws a cancelled waiter', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const mutex = env.client.workflow.getHandle(mutexWorkflowId(resourceId));
      const holder = await env.client.workflow.start(withLockUntilCancelled, {
        taskQueue,
        workflowId: env.taskQueue('holder'),
        args: [resourceId],
      });
      await pollUntil(() => holder.query(leaseQuery), { what: 'the lock' });
      const waiter = await env.client.workflow.start(holdUntilSignalled, {
        taskQueue,
        workflowId: env.taskQueue('waiter'),
        args: [resourceId, { timeoutMs: 30_000 }],
      });
      await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length === 1, {
        what: 'waiter queued',
      });
      await waiter.cancel();
      await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length === 0, {
        what: 'waiter withdrawn',
      });
      await holder.cancel();
      await expect(holder.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      await pollUntil(async () => (await mutex.query(mutexStateQuery)).holders.length === 0, {
        what: 'holder released',
      });
      const state = await mutex.query(mutexStateQuery);
      expect(
        state.recentGrants.map((g) => (g.requester.kind === 'workflow' ? g.requester.workflowId : '')),
      ).toEqual([holder.workflowId]);
    });
  });
});
