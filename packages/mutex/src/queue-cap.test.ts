import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { MutexClient } from './client.js';
import {
  mutexLockRequestSignal,
  mutexRenewSignal,
  mutexStateQuery,
  mutexWithdrawSignal,
  type LockRequest,
} from './definitions.js';
import { InvalidMutexOptionsError, LockQueueFullError, mutexWorkflow, mutexWorkflowId } from './index.js';
import { workerActivities, workflowsPath } from './__tests__/test-support.js';
import { exclusiveWorker, holdUntilSignalled, leaseQuery } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();
const MiB = 1024 * 1024;

/** A queued request from a workflow that does not exist, with the longest ids the wire accepts. */
function longRequest(n: number): LockRequest {
  const longest = (length: number): string => `${n}-${randomUUID()}`.padEnd(length, 'x');
  return {
    requestId: longest(128),
    secret: longest(128),
    requester: { kind: 'workflow', workflowId: longest(500), runId: randomUUID() },
    leaseMs: 60_000,
    timeoutMs: 600_000,
  };
}

async function inBatches<T>(items: T[], send: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 25) await Promise.all(items.slice(i, i + 25).map(send));
}

describe('Mutex queue cap', () => {
  it('refuses requests over maxQueueLength with LockQueueFullError (workflow and client), continues as new with the full queue well under 2 MiB, and keeps serving', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('capped');
      const maxQueueLength = 200;
      const mutex = await env.client.workflow.start(mutexWorkflow, {
        taskQueue,
        workflowId: mutexWorkflowId(resourceId),
        args: [{ resourceId, maxQueueLength }],
      });
      const holder = new MutexClient(env.client, { taskQueue, clientId: 'holder' });
      const lease = await holder.acquire(resourceId, { timeout: '10s', lease: '5 minutes' });

      const queued = Array.from({ length: maxQueueLength }, (_, n) => longRequest(n));
      await inBatches(queued, (request) => mutex.signal(mutexLockRequestSignal.definition, request));
      await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length === maxQueueLength, {
        what: 'a full queue',
      });

      const workflowId = env.taskQueue('refused');
      expect(
        await env.client.workflow.execute(exclusiveWorker, {
          taskQueue,
          workflowId,
          args: [{ resourceId, workflowId, timeoutMs: 30_000, holdMs: 0 }],
        }),
      ).toEqual({ error: 'LockQueueFullError' });
      const refused = await holder.acquire(resourceId, { timeout: '30s' }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(LockQueueFullError);
      expect(refused).toMatchObject({ resourceId, maxQueueLength });

      // Ignored renewals add history until the mutex continues as new, carrying the full queue.
      const before = (await mutex.query(mutexStateQuery)).continuedAsNew;
      const junk = { requestId: 'nobody', grantToken: 'none', leaseMs: 1_000 };
      await pollUntil(
        async () => {
          await inBatches(Array.from({ length: 25 }), () => mutex.signal(mutexRenewSignal.definition, junk));
          return (await mutex.query(mutexStateQuery)).continuedAsNew > before;
        },
        { what: 'continue-as-new', timeoutMs: 120_000 },
      );
      const { events } = await mutex.fetchHistory();
      const input = events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      const carriedBytes = input?.data?.byteLength ?? 0;
      expect(carriedBytes).toBeGreaterThan(maxQueueLength * 700);
      // At the default cap of 1,000 this is 5 times as much (lock-table.test.ts checks that case).
      expect(carriedBytes * (1_000 / maxQueueLength)).toBeLessThan(1.5 * MiB);
      expect((await mutex.query(mutexStateQuery)).queue).toHaveLength(maxQueueLength);

      // Still serving: the queued requesters give up, a new one is queued and granted on release.
      await inBatches(queued, ({ requestId, secret }) =>
        mutex.signal(mutexWithdrawSignal.definition, { requestId, secret }),
      );
      const waiter = await env.client.workflow.start(holdUntilSignalled, {
        taskQueue,
        workflowId: env.taskQueue('waiter'),
        args: [resourceId, { timeoutMs: 60_000 }],
      });
      await pollUntil(async () => (await mutex.query(mutexStateQuery)).queue.length === 1, {
        what: 'the waiter queued',
      });
      expect(await holder.release(lease)).toBe(true);
      await pollUntil(() => waiter.query(leaseQuery), { what: 'the waiter to hold' });
      await waiter.terminate('test over');
    });
  });

  it('refuses a maxHistoryEvents under 20 and a maxQueueLength out of range with InvalidMutexOptionsError', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('invalid');
      const workflowId = env.taskQueue('asker');
      expect(
        await env.client.workflow.execute(exclusiveWorker, {
          taskQueue,
          workflowId,
          args: [{ resourceId, workflowId, timeoutMs: 5_000, holdMs: 0, maxHistoryEvents: 3 }],
        }),
      ).toEqual({ error: 'InvalidMutexOptionsError' });

      const started = env.client.workflow.execute(mutexWorkflow, {
        taskQueue,
        workflowId: env.taskQueue('mutex-invalid'),
        args: [{ resourceId, maxHistoryEvents: 3 }],
      });
      const failure = await started.catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause?.message).toMatch(
        /maxHistoryEvents must be an integer ≥ 20/,
      );

      const client = new MutexClient(env.client, { taskQueue });
      await expect(client.acquire(resourceId, { timeout: '1s', maxQueueLength: 0 })).rejects.toBeInstanceOf(
        InvalidMutexOptionsError,
      );
    });
  });
});
