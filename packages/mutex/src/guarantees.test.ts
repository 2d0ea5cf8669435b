import { randomUUID } from 'node:crypto';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexRenewSignal,
  mutexStateQuery,
  mutexWithdrawSignal,
  type LockRequest,
} from './definitions.js';
import { mutexWorkflow, mutexWorkflowId } from './index.js';
import {
  criticalSectionRecorder,
  maxConcurrent,
  workerActivities,
  workflowsPath,
} from './__tests__/test-support.js';
import {
  exclusiveWorker,
  grantCollector,
  grantsQuery,
  holdTwoLocks,
  holdUntilSignalled,
  leaseQuery,
  releaseNowSignal,
} from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

function mutexHandle(resourceId: string) {
  return env.client.workflow.getHandle(mutexWorkflowId(resourceId));
}

async function startHolder(
  taskQueue: string,
  resourceId: string,
  options: { timeoutMs: number; lease?: number; grantsByLocalActivity?: boolean },
) {
  return env.client.workflow.start(holdUntilSignalled, {
    taskQueue,
    workflowId: env.taskQueue('holder'),
    args: [resourceId, options],
  });
}

describe('Mutex guarantees beyond the article', () => {
  it('never grants a waiter that timed out; the next waiter gets the lock', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const a = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000 });
      await pollUntil(() => a.query(leaseQuery), { what: 'A to hold' });
      const bId = env.taskQueue('B');
      const b = await env.client.workflow.execute(exclusiveWorker, {
        taskQueue,
        workflowId: bId,
        args: [{ resourceId, workflowId: bId, timeoutMs: 500, holdMs: 0 }],
      });
      expect(b).toEqual({ error: 'LockTimeoutError' });
      const c = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000 });
      await a.signal(releaseNowSignal);
      await pollUntil(() => c.query(leaseQuery), { what: 'C to hold' });
      const state = await mutexHandle(resourceId).query(mutexStateQuery);
      const grantedTo = state.recentGrants.map((g) =>
        g.requester.kind === 'workflow' ? g.requester.workflowId : '',
      );
      expect(grantedTo).toEqual([a.workflowId, c.workflowId]);
      expect(state.queue).toEqual([]);
      await c.signal(releaseNowSignal);
    });
  });

  it.each([false, true])(
    'skips a queued requester that has closed and serves the next one; the mutex keeps running (grants by local activity: %s)',
    async (grantsByLocalActivity) => {
      await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
        const resourceId = env.taskQueue('r');
        const a = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000, grantsByLocalActivity });
        await pollUntil(() => a.query(leaseQuery), { what: 'A to hold' });
        const b = await startHolder(taskQueue, resourceId, { timeoutMs: 30_000 });
        await pollUntil(
          async () => (await mutexHandle(resourceId).query(mutexStateQuery)).queue.length === 1,
          {
            what: 'B queued',
          },
        );
        await b.terminate('test: requester dies while queued');
        const c = await startHolder(taskQueue, resourceId, { timeoutMs: 30_000 });
        await pollUntil(
          async () => (await mutexHandle(resourceId).query(mutexStateQuery)).queue.length === 2,
          {
            what: 'C queued',
          },
        );
        await a.signal(releaseNowSignal);
        const leaseC = await pollUntil(() => c.query(leaseQuery), { what: 'C to hold' });
        expect(leaseC.resourceId).toBe(resourceId);
        expect((await mutexHandle(resourceId).describe()).status.name).toBe('RUNNING');
        expect(
          env
            .logsMatching('Requester has closed; grant skipped')
            .some((l) => l.meta?.requester === b.workflowId),
        ).toBe(true);
        await c.signal(releaseNowSignal);
      });
    },
  );

  it("frees a terminated holder's lock when its lease runs out", async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const a = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000, lease: 1_000 });
      await pollUntil(() => a.query(leaseQuery), { what: 'A to hold' });
      await a.terminate('test: holder crashes');
      const b = await startHolder(taskQueue, resourceId, { timeoutMs: 20_000 });
      await pollUntil(() => b.query(leaseQuery), { what: 'B to hold after the lease' });
      const [grantA, grantB] = (await mutexHandle(resourceId).query(mutexStateQuery)).recentGrants;
      expect(grantB!.grantedAt - grantA!.grantedAt).toBeGreaterThanOrEqual(1_000);
      expect(
        env.logsMatching('Lease expired; lock taken back').some((l) => l.meta?.holder === a.workflowId),
      ).toBe(true);
      await b.signal(releaseNowSignal);
    });
  });

  it('queues and grants a request delivered twice only once', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const collector = await env.client.workflow.start(grantCollector, {
        taskQueue,
        workflowId: env.taskQueue('collector'),
      });
      const request: LockRequest = {
        requestId: randomUUID(),
        secret: randomUUID(),
        requester: {
          kind: 'workflow',
          workflowId: collector.workflowId,
          runId: collector.firstExecutionRunId,
        },
        leaseMs: 60_000,
        timeoutMs: 60_000,
      };
      const send = () =>
        env.client.workflow.signalWithStart(mutexWorkflow, {
          taskQueue,
          workflowId: mutexWorkflowId(resourceId),
          args: [{ resourceId }],
          signal: mutexLockRequestSignal.definition,
          signalArgs: [request],
        });
      await send();
      await send();
      const [grant] = await pollUntil(
        async () => {
          const grants = await collector.query(grantsQuery);
          return grants.length > 0 ? grants : undefined;
        },
        { what: 'the grant' },
      );
      await mutexHandle(resourceId).signal(mutexReleaseSignal.definition, {
        requestId: request.requestId,
        grantToken: grant!.grantToken,
      });
      await send(); // a third copy after release: still the same request, never queued again
      await pollUntil(
        async () => (await mutexHandle(resourceId).query(mutexStateQuery)).holders.length === 0,
        { what: 'release' },
      );
      const state = await mutexHandle(resourceId).query(mutexStateQuery);
      expect(state.recentGrants).toHaveLength(1);
      expect(state.queue).toEqual([]);
      expect(await collector.query(grantsQuery)).toHaveLength(1);
      await collector.signal(releaseNowSignal);
    });
  });

  it('ignores a release that comes after its lease ran out', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const a = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000, lease: 500 });
      await pollUntil(() => a.query(leaseQuery), { what: 'A to hold' });
      const b = await startHolder(taskQueue, resourceId, { timeoutMs: 20_000 });
      const leaseB = await pollUntil(() => b.query(leaseQuery), { what: 'B to hold after A lapsed' });
      await a.signal(releaseNowSignal); // A's stale release
      await a.result();
      const state = await mutexHandle(resourceId).query(mutexStateQuery);
      expect(state.holders.map((h) => h.requestId)).toEqual([leaseB.requestId]);
      expect(env.logsMatching('Release of a grant that is not held ignored').length).toBeGreaterThanOrEqual(
        1,
      );
      await b.signal(releaseNowSignal);
    });
  });

  it('ignores a release or renewal with a wrong grant token, and logs both ids', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const a = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000, lease: 60_000 });
      const lease = await pollUntil(() => a.query(leaseQuery), { what: 'A to hold' });
      await mutexHandle(resourceId).signal(mutexReleaseSignal.definition, {
        requestId: lease.requestId,
        grantToken: 'forged',
        sender: 'mallory',
      });
      await mutexHandle(resourceId).signal(mutexRenewSignal.definition, {
        requestId: lease.requestId,
        grantToken: 'forged',
        leaseMs: 1,
      });
      await mutexHandle(resourceId).signal(mutexWithdrawSignal.definition, {
        requestId: lease.requestId,
        secret: 'guessed',
      });
      const state = await mutexHandle(resourceId).query(mutexStateQuery);
      expect(state.holders.map((h) => h.requestId)).toEqual([lease.requestId]);
      expect(state.holders[0]!.leaseExpiresAt).toBe(lease.leaseExpiresAt);
      const warning = env.logsMatching('Release with a wrong grant token ignored').at(-1);
      expect(warning?.meta).toMatchObject({
        requestId: lease.requestId,
        sender: 'mallory',
        holder: a.workflowId,
      });
      await a.signal(releaseNowSignal);
      await a.result();
      expect((await mutexHandle(resourceId).query(mutexStateQuery)).holders).toEqual([]);
    });
  });

  it('lets one workflow hold locks on two resources without confusing the grants', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const [r1, r2] = [env.taskQueue('first'), env.taskQueue('second')];
      const holder = await env.client.workflow.start(holdTwoLocks, {
        taskQueue,
        workflowId: env.taskQueue('two'),
        args: [r1, r2],
      });
      await pollUntil(() => holder.query(leaseQuery), { what: 'both locks' });
      const [s1, s2] = await Promise.all([
        mutexHandle(r1).query(mutexStateQuery),
        mutexHandle(r2).query(mutexStateQuery),
      ]);
      expect(s1.holders).toHaveLength(1);
      expect(s2.holders).toHaveLength(1);
      expect(s1.holders[0]!.requestId).not.toBe(s2.holders[0]!.requestId);
      await holder.signal(releaseNowSignal);
      const [a, b] = await holder.result();
      expect(a!.resourceId).toBe(r1);
      expect(b!.resourceId).toBe(r2);
      expect(a!.requestId).toBe(s1.holders[0]!.requestId);
      expect(b!.requestId).toBe(s2.holders[0]!.requestId);
      const [e1, e2] = await Promise.all([
        mutexHandle(r1).query(mutexStateQuery),
        mutexHandle(r2).query(mutexStateQuery),
      ]);
      expect(e1.holders).toEqual([]);
      expect(e2.holders).toEqual([]);
    });
  });

  it('completes when idle without losing a request that races with the completion', async () => {
    const recorder = criticalSectionRecorder();
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, recorder) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('idle');
        const runOnce = async (): Promise<number> => {
          const workflowId = env.taskQueue('idler');
          const result = await env.client.workflow.execute(exclusiveWorker, {
            taskQueue,
            workflowId,
            args: [{ resourceId, workflowId, timeoutMs: 20_000, holdMs: 0, idleTimeout: 300 }],
          });
          expect(result).toHaveProperty('fencingToken');
          return (result as { fencingToken: number }).fencingToken;
        };
        // First the mutex really completes once it is idle...
        const tokens = [await runOnce()];
        const firstRun = mutexHandle(resourceId);
        const firstRunId = (await firstRun.describe()).runId;
        await pollUntil(
          async () =>
            (await env.client.workflow.getHandle(firstRun.workflowId, firstRunId).describe()).status.name ===
            'COMPLETED',
          { what: 'the idle mutex to complete' },
        );
        // ...then requests land just before, at, and just after its 300 ms idle deadline.
        for (const pauseMs of [250, 300, 320, 350, 280, 400, 310, 600, 290]) {
          await new Promise((r) => setTimeout(r, pauseMs));
          tokens.push(await runOnce());
        }
        expect([...tokens].sort((x, y) => x - y)).toEqual(tokens);
        expect(new Set(tokens).size).toBe(tokens.length);
        expect(recorder.visits).toHaveLength(tokens.length);
      },
    );
  });

  it('continues as new in the middle of contention without losing a request; tokens keep increasing', async () => {
    const recorder = criticalSectionRecorder();
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, recorder) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('can');
        const ids = Array.from({ length: 20 }, (_, i) => `can-worker-${i}-${resourceId}`);
        const results = await Promise.all(
          ids.map((workflowId) =>
            env.client.workflow.execute(exclusiveWorker, {
              taskQueue,
              workflowId,
              args: [{ resourceId, workflowId, timeoutMs: 120_000, holdMs: 5, maxHistoryEvents: 60 }],
            }),
          ),
        );
        expect(results.every((r) => 'fencingToken' in r)).toBe(true);
        const visits = [...recorder.visits].sort((x, y) => x.enteredAt - y.enteredAt);
        expect(visits).toHaveLength(20);
        expect(maxConcurrent(visits)).toBe(1);
        for (let i = 1; i < visits.length; i++)
          expect(visits[i]!.fencingToken).toBeGreaterThan(visits[i - 1]!.fencingToken);
        const state = await mutexHandle(resourceId).query(mutexStateQuery);
        expect(state.continuedAsNew).toBeGreaterThanOrEqual(2);
        expect(state.lastFencingToken).toBe(visits.at(-1)!.fencingToken);
      },
    );
  });

  it('survives malformed payloads and keeps serving', async () => {
    await env.withWorker({ workflowsPath, activities: workerActivities(env) }, async (taskQueue) => {
      const resourceId = env.taskQueue('r');
      const a = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000 });
      await pollUntil(() => a.query(leaseQuery), { what: 'A to hold' });
      const mutex = mutexHandle(resourceId);
      const junk: unknown[] = [
        null,
        42,
        'lock please',
        [],
        { requestId: '' },
        { requestId: 'x', secret: 's', requester: { kind: 'alien' } },
        // A run id the server refuses to signal would fail the mutex's workflow task (found by the fault suite).
        {
          requestId: 'y',
          secret: 's',
          requester: { kind: 'workflow', workflowId: 'someone', runId: 'not-a-run-id' },
          leaseMs: 1000,
          timeoutMs: 1000,
        },
      ];
      for (const payload of junk) {
        await mutex.signal(mutexLockRequestSignal.definition, payload as never);
        await mutex.signal(mutexReleaseSignal.definition, payload as never);
        await mutex.signal(mutexWithdrawSignal.definition, payload as never);
      }
      await a.signal(releaseNowSignal);
      const b = await startHolder(taskQueue, resourceId, { timeoutMs: 10_000 });
      await pollUntil(() => b.query(leaseQuery), { what: 'B to hold' });
      expect((await mutex.describe()).status.name).toBe('RUNNING');
      expect(env.logsMatching('Rejected malformed payload on signal "mutex.lock-request"').length).toBe(
        junk.length,
      );
      expect(
        env.logsMatching('Rejected malformed payload on signal "mutex.release"').length,
      ).toBeGreaterThanOrEqual(junk.length);
      await b.signal(releaseNowSignal);
    });
  });
});
