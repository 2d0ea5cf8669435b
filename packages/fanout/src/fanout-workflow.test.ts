import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
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
});
