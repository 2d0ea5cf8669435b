import { pollUntil, replayHistories, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { MutexClient } from './client.js';
import { mutexStateQuery } from './definitions.js';
import { mutexWorkflowId } from './index.js';
import {
  criticalSectionRecorder,
  maxConcurrent,
  workerActivities,
  workflowsPath,
} from './__tests__/test-support.js';
import {
  exclusiveResourceWorkflow,
  exclusiveWorker,
  holdUntilSignalled,
  leaseQuery,
  releaseNowSignal,
} from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('Mutex (the article)', () => {
  it('acquires and releases once: the exclusive work runs, the mutex keeps running with no holder', async () => {
    const calls: string[] = [];
    const activities = workerActivities(env, {
      async modifySharedResource(resourceId: string) {
        calls.push(`modify ${resourceId}`);
        return `modified ${resourceId}`;
      },
      async notifyCompletion(result: string) {
        calls.push(`notify ${result}`);
      },
    });
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      const resourceId = env.taskQueue('resource');
      const result = await env.client.workflow.execute(exclusiveResourceWorkflow, {
        taskQueue,
        workflowId: env.taskQueue('exclusive'),
        args: [resourceId],
      });
      expect(result).toBe(`modified ${resourceId}`);
      expect(calls).toEqual([`modify ${resourceId}`, `notify modified ${resourceId}`]);
      const state = await env.client.workflow.getHandle(mutexWorkflowId(resourceId)).query(mutexStateQuery);
      expect(state.holders).toEqual([]);
      expect(state.recentGrants).toHaveLength(1);
      const mutex = await env.client.workflow.getHandle(mutexWorkflowId(resourceId)).describe();
      expect(mutex.status.name).toBe('RUNNING');
    });
  });

  it('grants B the lock when A releases (contention)', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('resource');
      const a = await env.client.workflow.start(holdUntilSignalled, {
        taskQueue,
        workflowId: env.taskQueue('A'),
        args: [resourceId, { timeoutMs: 10_000 }],
      });
      const leaseA = await pollUntil(() => a.query(leaseQuery), { what: 'A to hold the lock' });
      const b = await env.client.workflow.start(holdUntilSignalled, {
        taskQueue,
        workflowId: env.taskQueue('B'),
        args: [resourceId, { timeoutMs: 10_000 }],
      });
      const mutex = new MutexClient(env.client, { taskQueue });
      await pollUntil(async () => (await mutex.inspect(resourceId))?.queue.length === 1, {
        what: 'B to queue',
      });
      expect(await b.query(leaseQuery)).toBeUndefined();
      await a.signal(releaseNowSignal);
      const leaseB = await pollUntil(() => b.query(leaseQuery), { what: 'B to hold the lock' });
      expect(leaseB.fencingToken).toBe(leaseA.fencingToken + 1);
      await b.signal(releaseNowSignal);
      await Promise.all([a.result(), b.result()]);
      expect((await mutex.inspect(resourceId))?.holders).toEqual([]);
    });
  });
});

describe('Mutex under contention', () => {
  it('lets 50 contending workflows in one at a time with strictly increasing fencing tokens', async () => {
    const recorder = criticalSectionRecorder();
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, recorder) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('contended');
        const ids = Array.from({ length: 50 }, (_, i) => `worker-${i}-${resourceId}`);
        const results = await Promise.all(
          ids.map((workflowId) =>
            env.client.workflow.execute(exclusiveWorker, {
              taskQueue,
              workflowId,
              args: [{ resourceId, workflowId, timeoutMs: 120_000, holdMs: 10 }],
            }),
          ),
        );
        expect(results.every((r) => 'fencingToken' in r)).toBe(true);
        const visits = [...recorder.visits].sort((x, y) => x.enteredAt - y.enteredAt);
        expect(new Set(visits.map((v) => v.workflowId))).toEqual(new Set(ids));
        expect(maxConcurrent(visits)).toBe(1);
        for (let i = 1; i < visits.length; i++) {
          expect(visits[i]!.enteredAt).toBeGreaterThanOrEqual(visits[i - 1]!.exitedAt);
          expect(visits[i]!.fencingToken).toBeGreaterThan(visits[i - 1]!.fencingToken);
        }
        // This run's histories (the mutex and five workers) replay without non-determinism.
        const histories = await Promise.all(
          [mutexWorkflowId(resourceId), ...ids.slice(0, 5)].map(async (workflowId) => ({
            workflowId,
            history: await env.client.workflow.getHandle(workflowId).fetchHistory(),
          })),
        );
        expect(await replayHistories(workflowsPath, histories)).toBe(6);
      },
    );
  });

  it('lets at most 3 in at once through a 3-permit semaphore, and serves everyone', async () => {
    const recorder = criticalSectionRecorder();
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, recorder) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('pool');
        const ids = Array.from({ length: 24 }, (_, i) => `pool-worker-${i}-${resourceId}`);
        const results = await Promise.all(
          ids.map((workflowId) =>
            env.client.workflow.execute(exclusiveWorker, {
              taskQueue,
              workflowId,
              args: [{ resourceId, workflowId, timeoutMs: 120_000, holdMs: 300, permits: 3 }],
            }),
          ),
        );
        expect(results.every((r) => 'fencingToken' in r)).toBe(true);
        expect(recorder.visits).toHaveLength(24);
        expect(maxConcurrent(recorder.visits)).toBe(3);
        const tokens = recorder.visits.map((v) => v.fencingToken);
        expect(new Set(tokens).size).toBe(24);
      },
    );
  });
});
