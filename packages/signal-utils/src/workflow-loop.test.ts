import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  drainWaitsForTasks,
  failedTaskSurfaces,
  pendingTasksQuery,
  releaseSignal,
  wakeAtReplaced,
} from './__tests__/workflow-loop-workflows.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/workflow-loop-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();
const { EventType } = temporal.api.enums.v1;

async function countEvents(workflowId: string, type: temporal.api.enums.v1.EventType): Promise<number> {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).filter((e) => e.eventType === type).length;
}

/** Resolves once the first timer is in the history, so what follows is a workflow task of its own. */
async function timerStarted(workflowId: string): Promise<void> {
  await expect
    .poll(() => countEvents(workflowId, EventType.EVENT_TYPE_TIMER_STARTED), { timeout: 30_000 })
    .toBe(1);
}

describe('WorkflowLoop', () => {
  it('keeps the armed timer when a later deadline is asked for', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const workflowId = env.taskQueue('later');
      const handle = await env.client.workflow.start(wakeAtReplaced, {
        taskQueue,
        workflowId,
        args: [60_000, 120_000, false],
      });
      await timerStarted(workflowId);
      await handle.signal(releaseSignal);
      expect(await handle.result()).toEqual({ armedMs: 60_000 });
      expect(await countEvents(workflowId, EventType.EVENT_TYPE_TIMER_STARTED)).toBe(1);
      expect(await countEvents(workflowId, EventType.EVENT_TYPE_TIMER_CANCELED)).toBe(0);
    });
  });

  it('replaces the armed timer for an earlier deadline and wakes the loop then', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const workflowId = env.taskQueue('earlier');
      const handle = await env.client.workflow.start(wakeAtReplaced, {
        taskQueue,
        workflowId,
        args: [60_000, 300, true],
      });
      await timerStarted(workflowId);
      await handle.signal(releaseSignal);
      const { armedMs, wokeAfterMs } = await handle.result();
      expect(armedMs).toBe(300);
      expect(wokeAfterMs).toBeGreaterThanOrEqual(300);
      expect(wokeAfterMs).toBeLessThan(60_000);
      expect(await countEvents(workflowId, EventType.EVENT_TYPE_TIMER_STARTED)).toBe(2);
      expect(await countEvents(workflowId, EventType.EVENT_TYPE_TIMER_CANCELED)).toBe(1);
    });
  });

  it('cancels the timer when no deadline is left', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const workflowId = env.taskQueue('cancel');
      const handle = await env.client.workflow.start(wakeAtReplaced, {
        taskQueue,
        workflowId,
        args: [60_000, undefined, true],
      });
      await timerStarted(workflowId);
      await handle.signal(releaseSignal);
      expect(await handle.result()).toEqual({});
      expect(await countEvents(workflowId, EventType.EVENT_TYPE_TIMER_CANCELED)).toBe(1);
    });
  });

  it('continues as new only after its spawned work has settled', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(drainWaitsForTasks, {
        taskQueue,
        workflowId: env.taskQueue('drain'),
        args: [],
      });
      // The task is pending and the workflow is waiting in the drain: release it only now.
      await expect.poll(() => handle.query(pendingTasksQuery), { timeout: 30_000 }).toBe(1);
      await handle.signal(releaseSignal);
      expect(await handle.result()).toBe('written by the task (run 2)');
    });
  });

  it('fails the workflow with the error of a spawned task', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const run = env.client.workflow.execute(failedTaskSurfaces, {
        taskQueue,
        workflowId: env.taskQueue('failed'),
      });
      const err = await run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.message).toBe('the delivery failed');
    });
  });
});
