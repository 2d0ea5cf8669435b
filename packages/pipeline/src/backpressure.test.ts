import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { definePipeline } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('backpressure', () => {
  it('never lets a stage hold more than its window of 5 items, even behind a slow stage', async () => {
    const windowed = definePipeline('windowed', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'], window: 5 },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['C'], window: 5 },
      { name: 'C', activity: 'pipelineTestStep', window: 5 },
    ]);
    // C is the bottleneck: without credit, A and B would flood it with all 40 items.
    const activities = createTestActivities({ delays: { C: 60 } });
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      const runId = env.taskQueue('windowed');
      const all = items(40);
      const run = await startPipeline(env.client, windowed, {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B>C`));
      for (const stage of ['A', 'B', 'C']) {
        const progress = await run.stageProgress(stage);
        expect(progress.window).toBe(5);
        expect(progress.maxInFlight).toBeLessThanOrEqual(5);
        expect(progress).toMatchObject({ received: 40, inFlight: 0, done: true });
        expect(effectsOf(runId, stage)).toHaveLength(40);
      }
      // The window was actually reached in front of the bottleneck, so the bound was exercised.
      expect((await run.stageProgress('C')).maxInFlight).toBe(5);
    });
  });
});
