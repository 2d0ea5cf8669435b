import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { createMutexActivities, MutexClient } from './client.js';
import {
  mutexLockRequestSignal,
  mutexStateQuery,
  mutexWithdrawSignal,
  type LockRequest,
} from './definitions.js';
import { mutexWorkflowId } from './index.js';
import { workerActivities, workflowsPath } from './__tests__/test-support.js';
import {
  exclusiveWorker,
  grantCollector,
  holdTwoLocksAtOnce,
  holdUntilSignalled,
  holdWithRenewal,
  leaseQuery,
  releaseNowSignal,
  twoLeasesQuery,
} from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

const state = (resourceId: string) =>
  env.client.workflow.getHandle(mutexWorkflowId(resourceId)).query(mutexStateQuery);

describe('Mutex leases and concurrent locks', () => {
  it('keeps the lock for a holder that renews past its first expiry; the waiter gets it only on release', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('renewed');
      const holder = await env.client.workflow.start(holdWithRenewal, {
        taskQueue,
        workflowId: env.taskQueue('renewer'),
        args: [resourceId, 3_000],
      });
      const lease = await pollUntil(() => holder.query(leaseQuery), { what: 'the lease' });
      const waiter = await env.client.workflow.start(holdUntilSignalled, {
        taskQueue,
        workflowId: env.taskQueue('waiter'),
        args: [resourceId, { timeoutMs: 60_000 }],
      });
      // Well past the first lease's end (by the mutex's own clock).
      await pollUntil(
        async () => (await state(resourceId)).holders[0]!.leaseExpiresAt > lease.leaseExpiresAt + 3_000,
        {
          what: 'two renewals',
          timeoutMs: 30_000,
        },
      );
      const now = await state(resourceId);
      expect(now.holders.map((h) => h.requestId)).toEqual([lease.requestId]);
      expect(now.recentGrants).toHaveLength(1);
      expect(await waiter.query(leaseQuery)).toBeUndefined();
      await holder.signal(releaseNowSignal);
      await pollUntil(() => waiter.query(leaseQuery), { what: 'the waiter to hold' });
      await waiter.signal(releaseNowSignal);
    });
  });

  it.each(['first', 'second'] as const)(
    'lets one workflow hold two locks asked at once, the %s granted last, without confusing the grants',
    async (last) => {
      await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
        const resources = [env.taskQueue('one'), env.taskQueue('two')];
        const later = resources[last === 'first' ? 0 : 1]!;
        const other = new MutexClient(env.client, { taskQueue, clientId: 'other' });
        const blocking = await other.acquire(later, { timeout: '10s', lease: '1 minute' });
        const holder = await env.client.workflow.start(holdTwoLocksAtOnce, {
          taskQueue,
          workflowId: env.taskQueue('two-at-once'),
          args: [resources[0]!, resources[1]!],
        });
        await pollUntil(async () => (await state(later)).queue.length === 1, {
          what: 'the later lock queued',
        });
        const sooner = resources.find((r) => r !== later)!;
        await pollUntil(async () => (await state(sooner)).holders.length === 1, { what: 'the sooner lock' });
        expect(await holder.query(twoLeasesQuery)).toBeUndefined();
        expect(await other.release(blocking)).toBe(true);
        const leases = await pollUntil(() => holder.query(twoLeasesQuery), { what: 'both locks' });
        const held = await Promise.all(resources.map(state));
        expect(leases.map((l) => l.resourceId)).toEqual(resources);
        expect(leases.map((l) => l.requestId)).toEqual(held.map((s) => s.holders[0]!.requestId));
        expect(leases.map((l) => l.fencingToken)).toEqual(held.map((s) => s.holders[0]!.fencingToken));
        await holder.signal(releaseNowSignal);
        await holder.result();
        expect((await Promise.all(resources.map(state))).map((s) => s.holders)).toEqual([[], []]);
      });
    },
  );

  it('withdraws the request when acquireLock fails with an error other than cancellation', async () => {
    const resourceId = env.taskQueue('failed-ask');
    const real = createMutexActivities(env.client);
    await env.withWorker(
      {
        workflowsPath,
        activities: {
          ...workerActivities(env),
          // Queues the request behind a client that holds the lock, then fails: the request is left queued.
          async mutexRequestLock(input: Parameters<typeof real.mutexRequestLock>[0]) {
            await new MutexClient(env.client, { taskQueue: input.taskQueue, clientId: 'holder' }).acquire(
              resourceId,
              { timeout: '10s', lease: '1 minute' },
            );
            await real.mutexRequestLock(input);
            throw ApplicationFailure.nonRetryable('failed after queueing the request');
          },
        },
      },
      async (taskQueue) => {
        const workflowId = env.taskQueue('asker');
        const failed = await env.client.workflow
          .execute(exclusiveWorker, {
            taskQueue,
            workflowId,
            args: [{ resourceId, workflowId, timeoutMs: 120_000, holdMs: 0 }],
          })
          .catch((err: unknown) => err);
        expect(failed).toBeInstanceOf(WorkflowFailedError);
        // Withdrawn at once, not left to wait out its 2-minute timeout.
        await pollUntil(async () => (await state(resourceId)).queue.length === 0, {
          what: 'the request withdrawn',
          timeoutMs: 20_000,
        });
        expect((await state(resourceId)).holders.map((h) => h.requester)).toEqual([
          { kind: 'client', clientId: 'holder' },
        ]);
      },
    );
  });

  it.each(['before the grant', 'while the grant is in flight'] as const)(
    'frees the lock when the withdrawal arrives %s',
    async (when) => {
      await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
        const resourceId = env.taskQueue('crossing');
        const mutex = env.client.workflow.getHandle(mutexWorkflowId(resourceId));
        // The requester runs on a task queue no worker serves: a grant sent to it stays unprocessed.
        const requester = await env.client.workflow.start(grantCollector, {
          taskQueue: env.taskQueue('nobody-serves'),
          workflowId: env.taskQueue('requester'),
        });
        const holder = new MutexClient(env.client, { taskQueue, clientId: 'holder' });
        const lease = await holder.acquire(resourceId, { timeout: '10s', lease: '1 minute' });
        const request: LockRequest = {
          requestId: `crossing-${when.length}`,
          secret: 'secret',
          requester: {
            kind: 'workflow',
            workflowId: requester.workflowId,
            runId: requester.firstExecutionRunId,
          },
          leaseMs: 60_000,
          timeoutMs: 60_000,
        };
        const withdraw = () =>
          mutex.signal(mutexWithdrawSignal.definition, {
            requestId: request.requestId,
            secret: request.secret,
          });
        await mutex.signal(mutexLockRequestSignal.definition, request);
        await pollUntil(async () => (await state(resourceId)).queue.length === 1, {
          what: 'the request queued',
        });

        if (when === 'before the grant') {
          await withdraw();
          await pollUntil(async () => (await state(resourceId)).queue.length === 0, {
            what: 'the withdrawal',
          });
          expect(await holder.release(lease)).toBe(true);
        } else {
          expect(await holder.release(lease)).toBe(true);
          await pollUntil(async () => (await state(resourceId)).holders[0]?.requestId === request.requestId, {
            what: 'the grant',
          });
          // The grant is in the requester's history, not yet seen by it, when the withdrawal goes out.
          await pollUntil(
            async () =>
              ((await requester.fetchHistory()).events ?? []).some(
                (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'mutex.lock-granted',
              ),
            { what: 'the grant delivered' },
          );
          await withdraw();
        }
        await pollUntil(async () => (await state(resourceId)).holders.length === 0, {
          what: 'the lock freed',
        });
        const next = await holder.acquire(resourceId, { timeout: '10s' });
        expect(next.fencingToken).toBeGreaterThan(lease.fencingToken);
        expect(await holder.release(next)).toBe(true);
        const granted = (await state(resourceId)).recentGrants.map((g) => g.requestId);
        expect(granted.includes(request.requestId)).toBe(when !== 'before the grant');
        await requester.terminate('test over');
      });
    },
  );
});
