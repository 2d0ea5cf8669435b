import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { proceedSignal } from './__tests__/test-workflows.js';
import { closedStatusOf, runningNow, signalsReceived } from './__tests__/test-helpers.js';
import { startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('fanoutWorkflow policies', () => {
  it('fail-fast: the first failure cleans up the running children and skips the rest', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('fail-fast'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['hang', 'hang', 'gated-fail:2', 'hang', 'hang', 'ok:5', 'ok:6', 'ok:7'],
        window: 5,
        policy: 'fail-fast',
      });
      // Children 5–7 are started ahead of the window; child 2 fails only once they exist.
      for (const index of [5, 6, 7]) await runningNow(env.client, `${handle.workflowId}/${index}`);
      await env.client.workflow.getHandle(`${handle.workflowId}/2`).signal(proceedSignal);
      const summary = await handle.result();
      expect(summary).toMatchObject({
        status: 'failed',
        reason: 'fail-fast',
        failed: 1,
        cancelled: 4,
        skipped: 3,
      });
      expect(summary.outcomes.map((o) => o.status)).toEqual([
        'cancelled',
        'cancelled',
        'failed',
        'cancelled',
        'cancelled',
        'skipped',
        'skipped',
        'skipped',
      ]);
      expect(summary.outcomes[2]!.error).toBe('boom 2');
      expect(await closedStatusOf(env.client, `${handle.workflowId}/2`)).toBe('FAILED');
      // The hanging children got the clean-up signal and ended by themselves (not by cancellation).
      for (const index of [0, 1, 3, 4]) {
        const childId = `${handle.workflowId}/${index}`;
        expect(await signalsReceived(env.client, childId)).toEqual(['fanout.start', 'fanout.clean-up']);
        expect(await closedStatusOf(env.client, childId)).toBe('COMPLETED');
      }
      // Started ahead but never released: told to clean up while waiting.
      for (const index of [5, 6, 7]) {
        expect(await signalsReceived(env.client, `${handle.workflowId}/${index}`)).toEqual([
          'fanout.clean-up',
        ]);
      }
    });
  });

  it("runs the child's onCleanup hook with the clean-up reason", async () => {
    const cleanups: string[] = [];
    const activities = {
      async fanoutTestCleanup(childId: string, reason: string): Promise<void> {
        cleanups.push(`${childId} ${reason}`);
      },
    };
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('on-cleanup'),
        taskQueue,
        childWorkflowType: 'cleanupRecordingChild',
        inputs: ['hang', 'fail'],
        policy: 'fail-fast',
      });
      expect(await handle.result()).toMatchObject({ status: 'failed', failed: 1, cancelled: 1 });
      expect(cleanups).toEqual([`${handle.workflowId}/0 fail-fast`]);
    });
  });

  it('quorum 3 of 5 ends as soon as three are done and cleans up the rest', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('quorum'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['ok:1', 'hang', 'ok:2', 'hang', 'ok:3'],
        window: 5,
        policy: { quorum: 3 },
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', reason: 'quorum-reached', done: 3, cancelled: 2 });
      expect(summary.outcomes.map((o) => o.resultRef ?? o.status)).toEqual([
        'result:1',
        'cancelled',
        'result:2',
        'cancelled',
        'result:3',
      ]);
      for (const index of [1, 3]) {
        expect(await signalsReceived(env.client, `${handle.workflowId}/${index}`)).toContain(
          'fanout.clean-up',
        );
      }
    });
  });

  it('quorum fails as soon as it can no longer be reached', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('quorum-impossible'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['fail:1', 'hang', 'fail:2', 'ok:3'],
        window: 4,
        policy: { quorum: 3 },
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'failed', reason: 'quorum-impossible', failed: 2 });
      expect(summary.outcomes[1]!.status).toBe('cancelled');
    });
  });
});
