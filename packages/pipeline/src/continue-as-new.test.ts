import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { definePipeline } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('continue-as-new', () => {
  it('loses and repeats nothing when every workflow of the run continues as new mid-stream', async () => {
    const diamond = definePipeline('can', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B', 'C'], window: 4 },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['D'], window: 4 },
      { name: 'C', activity: 'pipelineTestStep', downstream: ['D'], window: 4 },
      { name: 'D', activity: 'pipelineTestStep', window: 4 },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('can');
      const all = items(30);
      // Tiny histories force continue-as-new while items are buffered, joining, in flight and pending.
      const run = await startPipeline(env.client, diamond, {
        runId,
        taskQueue,
        maxHistoryEvents: 60,
        items: all.slice(0, 10),
      });
      await run.feed(all.slice(10, 20));
      await run.feed(all.slice(20), { last: true });
      const result = await run.result();
      expect(result.items.map((o) => o.id)).toEqual(all.map((i) => i.id));
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `(B:${i.ref}>A>B+C:${i.ref}>A>C)>D`));
      for (const stage of ['A', 'B', 'C', 'D']) {
        expect(effectsOf(runId, stage).map((e) => e.itemId)).toEqual(all.map((i) => i.id));
        const progress = await run.stageProgress(stage);
        expect(progress.runs).toBeGreaterThanOrEqual(3);
        expect(progress.maxInFlight).toBeLessThanOrEqual(4);
      }
      expect((await run.progress()).runs).toBeGreaterThanOrEqual(2);
    });
  });
});
