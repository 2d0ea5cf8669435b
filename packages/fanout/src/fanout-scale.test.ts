import { fileURLToPath } from 'node:url';
import { fetchRunHistories, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('fanoutWorkflow at scale', () => {
  it('runs 1,000 children across continue-as-new with the right aggregate and a bounded history per run', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const inputs = Array.from({ length: 1000 }, (_, i) => `ok:${i}`);
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('fanout-1000'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs,
        window: 100,
        maxHistoryEvents: 500,
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', total: 1000, done: 1000, failed: 0, timedOut: 0 });
      expect(summary.valueSum).toBe((999 * 1000) / 2);
      expect(summary.outcomes.map((o) => o.resultRef)).toEqual(inputs.map((_, i) => `result:${i}`));
      expect(summary.maxRunning).toBeLessThanOrEqual(100);

      const runs = await fetchRunHistories(env.client, handle.workflowId, handle.firstExecutionRunId);
      const perRun = runs.map((history) => history.events?.length ?? 0);
      expect(perRun).toHaveLength(summary.runs);
      expect(summary.runs).toBeGreaterThan(1);
      // Each run stops soon after 500 events; one run for everything would need several thousand.
      expect(Math.max(...perRun)).toBeLessThan(1500);
      expect(perRun.reduce((a, b) => a + b, 0)).toBeGreaterThan(4000);
      console.log(`runs: ${summary.runs}, events per run: ${perRun.join(' ')}`);
    });
  }, 480_000);
});
