import { fileURLToPath } from 'node:url';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { progressWhen, runningNow, statusOf } from './__tests__/test-helpers.js';
import { startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('fanoutWorkflow with a child lost across continue-as-new', () => {
  it('settles a child started by an earlier run that is terminated after the parent continued as new', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      // The repro: no child timeout and no deadline, so nothing but the liveness check can end it.
      const inputs = Array.from({ length: 40 }, (_, i) => (i === 2 ? 'hang' : `ok:${i}`));
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('lost-child'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs,
        window: 5,
        maxHistoryEvents: 50,
        livenessCheckInterval: '1s',
      });
      const lost = `${handle.workflowId}/2`;
      // Child 2 is in the first batch, so run 1 started it; it hangs, so the parent is still running.
      await runningNow(env.client, lost);
      await progressWhen(handle, (p) => p.run >= 2, 'continued as new');
      await env.client.workflow.getHandle(lost).terminate('lost without a report');

      // A bounded wait: before the fix the parent waited for the lost child forever.
      await pollUntil(async () => (await statusOf(env.client, handle.workflowId)) !== 'RUNNING', {
        timeoutMs: 60_000,
        what: 'the parent to finish',
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', total: 40, done: 39, failed: 1 });
      expect(summary.runs).toBeGreaterThan(1);
      expect(summary.outcomes[2]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/closed without reporting/) as unknown,
      });
    });
  }, 120_000);
});
