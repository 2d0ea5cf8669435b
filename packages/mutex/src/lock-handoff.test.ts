// The two hops #15 took out of a handoff: a running mutex is asked by plain signal (no signal-with-start
// activity), and a protected activity can release its lease itself, ahead of its workflow.
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { MutexClient, type MutexActivities } from './client.js';
import { mutexWorkflowId } from './index.js';
import {
  criticalSectionRecorder,
  releaseSenders,
  workerActivities,
  workflowsPath,
} from './__tests__/test-support.js';
import { exclusiveWorker, releasingWorker, type ReleasingActivities } from './__tests__/test-workflows.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const env = useTemporalTestEnv();

async function historyOf(workflowId: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

const activitiesScheduled = (events: HistoryEvent[], name: string): number =>
  events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name).length;

describe('acquireLock asks a running mutex directly', () => {
  it('runs the signal-with-start activity only to start the mutex, then signals it', async () => {
    const recorder = criticalSectionRecorder();
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, recorder) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('direct');
        const run = (workflowId: string) =>
          env.client.workflow.execute(exclusiveWorker, {
            taskQueue,
            workflowId,
            args: [{ resourceId, workflowId, timeoutMs: 30_000, holdMs: 0 }],
          });
        const first = env.taskQueue('first');
        const second = env.taskQueue('second');
        const firstToken = (await run(first)) as { fencingToken: number };
        const secondToken = (await run(second)) as { fencingToken: number };
        expect(secondToken.fencingToken).toBeGreaterThan(firstToken.fencingToken);

        // No mutex yet: the plain signal finds none, and the activity starts it.
        const firstEvents = await historyOf(first);
        expect(
          firstEvents.filter((e) => e.signalExternalWorkflowExecutionFailedEventAttributes),
        ).toHaveLength(1);
        expect(activitiesScheduled(firstEvents, 'mutexRequestLock')).toBe(1);
        // Running mutex: one plain signal, no activity.
        const secondEvents = await historyOf(second);
        expect(activitiesScheduled(secondEvents, 'mutexRequestLock')).toBe(0);
        expect(
          secondEvents.filter((e) => e.signalExternalWorkflowExecutionFailedEventAttributes),
        ).toHaveLength(0);
        expect(recorder.visits.map((v) => v.workflowId)).toEqual([first, second]);
      },
    );
  });
});

describe('grant delivery', () => {
  const grantSignalsSent = (events: HistoryEvent[]): number =>
    events.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes).length;
  const markers = (events: HistoryEvent[]): number =>
    events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;

  async function contend(taskQueue: string, resourceId: string, workers: number): Promise<void> {
    const ids = Array.from({ length: workers }, (_, i) => env.taskQueue(`w${i}`));
    await Promise.all(
      ids.map((workflowId) =>
        env.client.workflow.execute(exclusiveWorker, {
          taskQueue,
          workflowId,
          args: [{ resourceId, workflowId, timeoutMs: 30_000, holdMs: 0, grantsByLocalActivity: true }],
        }),
      ),
    );
  }

  it('goes out from the mutex worker by local activity: no grant signal command, no acknowledgement task', async () => {
    const recorder = criticalSectionRecorder();
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, recorder) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('grant-la');
        await contend(taskQueue, resourceId, 4);
        const events = await historyOf(mutexWorkflowId(resourceId));
        expect(grantSignalsSent(events)).toBe(0);
        expect(events.filter((e) => e.externalWorkflowExecutionSignaledEventAttributes)).toHaveLength(0);
        expect(markers(events)).toBe(4);
        expect(recorder.visits).toHaveLength(4);
      },
    );
  });

  it('falls back to a signal from the workflow when a delivery attempt fails', async () => {
    const recorder = criticalSectionRecorder();
    const activities = workerActivities(env, recorder) as MutexActivities;
    let attempts = 0;
    const flaky: MutexActivities['mutexDeliverGrant'] = async (input) => {
      attempts++;
      if (attempts === 1) throw new Error('the first delivery fails');
      return activities.mutexDeliverGrant(input);
    };
    await env.withWorker(
      { workflowsPath, activities: { ...activities, mutexDeliverGrant: flaky } },
      async (taskQueue) => {
        const resourceId = env.taskQueue('grant-fallback');
        await contend(taskQueue, resourceId, 3);
        const events = await historyOf(mutexWorkflowId(resourceId));
        expect(markers(events)).toBe(3);
        expect(grantSignalsSent(events)).toBe(1);
        expect(recorder.visits).toHaveLength(3);
      },
    );
  });
});

describe('MutexClient.releaseAfter', () => {
  /** The releasing activity; the first holder's waits, after releasing, until `waitFor` has entered. */
  function releasingActivities(
    entered: string[],
    waitFor?: { holder: string; next: string },
  ): ReleasingActivities {
    const mutex = new MutexClient(env.client, { taskQueue: 'unused', clientId: 'activity-releaser' });
    return {
      async enterAndRelease({ workflowId, lease, fail }) {
        const released = await mutex.releaseAfter(lease, async () => {
          entered.push(workflowId);
          if (fail) throw ApplicationFailure.nonRetryable('the protected work failed', 'WorkFailed');
          return lease.fencingToken;
        });
        // Forces the order under test: the next holder enters while this activity is still running, so
        // only the activity's own release can have let it in.
        if (waitFor?.holder === workflowId)
          await pollUntil(() => entered.includes(waitFor.next), {
            what: `${waitFor.next} to enter`,
            timeoutMs: 20_000,
          });
        return released;
      },
    };
  }

  it('hands the lock on while the holder activity still runs, and withLock sends no second release', async () => {
    const entered: string[] = [];
    const holder = env.taskQueue('holder');
    const next = env.taskQueue('next');
    const activities = releasingActivities(entered, { holder, next });
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, activities) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('releasing');
        const a = await env.client.workflow.start(releasingWorker, {
          taskQueue,
          workflowId: holder,
          args: [resourceId, holder],
        });
        await pollUntil(() => entered.includes(holder), { what: 'the holder to enter' });
        const b = env.client.workflow.execute(releasingWorker, {
          taskQueue,
          workflowId: next,
          args: [resourceId, next],
        });
        const tokenA = await a.result();
        expect(typeof tokenA).toBe('number');
        expect(await b).toBeGreaterThan(tokenA as number);
        expect(entered).toEqual([holder, next]);
        const senders = releaseSenders(await historyOf(mutexWorkflowId(resourceId)));
        expect(senders).toEqual(['activity-releaser', 'activity-releaser']);
      },
    );
  });

  it('keeps the lease when the protected work fails; the workflow releases it', async () => {
    const entered: string[] = [];
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, releasingActivities(entered)) },
      async (taskQueue) => {
        const resourceId = env.taskQueue('releasing-fails');
        const failing = env.taskQueue('failing');
        const after = env.taskQueue('after');
        expect(
          await env.client.workflow.execute(releasingWorker, {
            taskQueue,
            workflowId: failing,
            args: [resourceId, failing, true],
          }),
        ).toBe('WorkFailed');
        expect(
          await env.client.workflow.execute(releasingWorker, {
            taskQueue,
            workflowId: after,
            args: [resourceId, after],
          }),
        ).toEqual(expect.any(Number));
        const senders = releaseSenders(await historyOf(mutexWorkflowId(resourceId)));
        expect(senders).toEqual([failing, 'activity-releaser']);
      },
    );
  });
});
