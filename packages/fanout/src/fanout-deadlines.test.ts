import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { closedStatusOf, signalsReceived } from './__tests__/test-helpers.js';
import { startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('fanoutWorkflow deadlines', () => {
  it('times out a child that never reports, which then cleans up', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('child-timeout'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['ok:1', 'hang', 'ok:3'],
        window: 2,
        childTimeout: '3s',
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', done: 2, timedOut: 1 });
      expect(summary.outcomes[1]).toMatchObject({
        status: 'timed-out',
        error: 'no report before the deadline',
      });
      const straggler = `${handle.workflowId}/1`;
      expect(await signalsReceived(env.client, straggler)).toEqual(['fanout.start', 'fanout.clean-up']);
      expect(await closedStatusOf(env.client, straggler)).toBe('COMPLETED');
    });
  });

  it('counts a child that gave up waiting for its start signal as failed', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('impatient'),
        taskQueue,
        childWorkflowType: 'impatientChild',
        inputs: ['slow', 'b'],
        window: 1,
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', done: 1, failed: 1 });
      expect(summary.outcomes[1]).toMatchObject({
        status: 'failed',
        error: 'the child ended without reporting',
      });
      expect(await signalsReceived(env.client, `${handle.workflowId}/1`)).toEqual([]);
    });
  });

  it('cancels a timed-out child that ignores the clean-up signal', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('deaf'),
        taskQueue,
        childWorkflowType: 'deafChild',
        inputs: ['x'],
        childTimeout: '500ms',
        cleanupGrace: '500ms',
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', timedOut: 1 });
      const deaf = `${handle.workflowId}/0`;
      expect(await signalsReceived(env.client, deaf)).toEqual(['fanout.start', 'fanout.clean-up']);
      expect(await closedStatusOf(env.client, deaf)).toBe('CANCELLED');
    });
  });

  it('times out the whole fan-out at its deadline: running children time out, waiting ones are skipped', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('deadline'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        // Only children that never finish: what the deadline meets does not depend on the machine's speed.
        inputs: ['hang', 'hang', 'ok:3'],
        window: 2,
        deadline: '3s',
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({
        status: 'timed-out',
        reason: 'timed-out',
        done: 0,
        timedOut: 2,
        skipped: 1,
      });
      expect(summary.outcomes.map((o) => o.status)).toEqual(['timed-out', 'timed-out', 'skipped']);
    });
  });
});
