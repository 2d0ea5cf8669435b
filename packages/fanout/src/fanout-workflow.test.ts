import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { proceedSignal } from './__tests__/test-workflows.js';
import { closedStatusOf, progressWhen, runningNow, signalsReceived } from './__tests__/test-helpers.js';
import { getFanoutProgress, startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

/** An activity that records how many children run it at once. */
function concurrencyProbe() {
  const seen: string[] = [];
  let now = 0;
  let max = 0;
  return {
    seen,
    max: () => max,
    activities: {
      async fanoutTestProbe(input: string): Promise<void> {
        seen.push(input);
        now++;
        max = Math.max(max, now);
        await new Promise((resolve) => setTimeout(resolve, 20));
        now--;
      },
    },
  };
}

describe('fanoutWorkflow', () => {
  it('runs 100 children through a window of 10 and collects every result in input order', async () => {
    const probe = concurrencyProbe();
    await env.withWorker({ workflowsPath, activities: probe.activities }, async (taskQueue) => {
      const inputs = Array.from({ length: 100 }, (_, i) => `probe:${i}`);
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('fanout-100'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs,
        window: 10,
      });
      const summary = await handle.result();
      expect(probe.seen).toHaveLength(100);
      expect(probe.max()).toBeLessThanOrEqual(10);
      expect(summary.maxRunning).toBeLessThanOrEqual(10);
      expect(summary).toMatchObject({ status: 'completed', total: 100, done: 100, failed: 0 });
      expect(summary.outcomes.map((o) => o.resultRef)).toEqual(inputs.map((_, i) => `result:${i}`));
      expect(summary.outcomes.map((o) => o.childId)).toEqual(
        inputs.map((_, i) => `${handle.workflowId}/${i}`),
      );
      expect(summary.valueSum).toBe((99 * 100) / 2);
    });
  });

  it('counts a duplicated "done" once', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('duplicates'),
        taskQueue,
        childWorkflowType: 'duplicateReporterChild',
        inputs: ['a', 'b', 'gated'],
      });
      // Keep the fan-out open (its last child waits) until both duplicates have arrived.
      const progress = await progressWhen(handle, (p) => p.duplicateReports === 2, 'two duplicates');
      expect(progress).toMatchObject({ done: 2, pending: 1 });
      await env.client.workflow.getHandle(`${handle.workflowId}/2`).signal(proceedSignal);
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', done: 3, valueSum: 3 });
      expect(summary.duplicateReports).toBeGreaterThanOrEqual(2);
      expect(summary.outcomes.map((o) => o.resultRef)).toEqual(['result:0', 'result:1', 'result:2']);
    });
  });

  it('answers progress queries while it runs', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('progress'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['ok:1', 'hang', 'hang'],
        window: 2,
        childTimeout: '5s',
        cleanupGrace: '1s',
      });
      const progress = await progressWhen(handle, (p) => p.started === 3, 'three started');
      expect(progress).toMatchObject({
        phase: 'running',
        total: 3,
        done: 1,
        running: 2,
        pending: 2,
        failed: 0,
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ done: 1, timedOut: 2 });
      expect(await getFanoutProgress(handle)).toMatchObject({ phase: 'finished', pending: 0, running: 0 });
    });
  });

  it('starts children on their own task queue, with their own ids and execution timeout', async () => {
    const children = await env.startWorker({ workflowsPath });
    try {
      await env.withWorker({ workflowsPath }, async (taskQueue) => {
        const prefix = `${env.taskQueue('photo-job')}-`;
        const handle = await startFanout(env.client, {
          workflowId: env.taskQueue('placement'),
          taskQueue,
          childWorkflowType: 'scriptedChild',
          inputs: ['ok:1', 'ok:2'],
          childTaskQueue: children.taskQueue,
          childIdPrefix: prefix,
          childExecutionTimeout: '1 minute',
        });
        const summary = await handle.result();
        expect(summary.outcomes.map((o) => o.childId)).toEqual([`${prefix}0`, `${prefix}1`]);
        const child = await env.client.workflow.getHandle(`${prefix}1`).describe();
        expect(child.taskQueue).toBe(children.taskQueue);
        expect(child.raw.executionConfig?.workflowExecutionTimeout?.seconds?.toString()).toBe('60');
        expect(child.parentExecution?.workflowId).toBe(handle.workflowId);
      });
    } finally {
      await children.stop();
    }
  });

  it('cleans up its children when the fan-out itself is cancelled', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('cancelled'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['hang', 'hang', 'ok:2'],
        window: 2,
      });
      await progressWhen(handle, (p) => p.started === 2, 'two started');
      // Child 2 is started ahead of the window: cancel only once it exists.
      await runningNow(env.client, `${handle.workflowId}/2`);
      await handle.cancel();
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      for (const index of [0, 1]) {
        const childId = `${handle.workflowId}/${index}`;
        expect(await signalsReceived(env.client, childId)).toEqual(['fanout.start', 'fanout.clean-up']);
        expect(await closedStatusOf(env.client, childId)).toBe('COMPLETED');
      }
      expect(await signalsReceived(env.client, `${handle.workflowId}/2`)).toEqual(['fanout.clean-up']);
    });
  });
});
