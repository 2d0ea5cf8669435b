import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { definePipeline } from './index.js';
import { createTestActivities, effectsOf } from './test-activities.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `item-${i}`, ref: `r${i}` }));

describe('a linear pipeline', () => {
  it('processes 200 items through 3 stages in order, exactly once', async () => {
    const linear = definePipeline('linear', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['C'] },
      { name: 'C', activity: 'pipelineTestStep' },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('linear');
      const all = items(200);
      const run = await startPipeline(env.client, linear, { runId, taskQueue, items: all, closeInput: true });
      const result = await run.result();
      expect(result.completed).toBe(200);
      expect(result.items.map((o) => o.id)).toEqual(all.map((i) => i.id));
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B>C`));
      for (const stage of ['A', 'B', 'C']) {
        expect(effectsOf(runId, stage).map((e) => e.itemId)).toEqual(all.map((i) => i.id));
      }
    });
  });
});
