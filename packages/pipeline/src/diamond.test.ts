import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { definePipeline } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

const diamond = definePipeline('diamond', [
  { name: 'A', activity: 'pipelineTestStep', downstream: ['B', 'C'] },
  { name: 'B', activity: 'pipelineTestStep', downstream: ['D'] },
  { name: 'C', activity: 'pipelineTestStep', downstream: ['D'] },
  { name: 'D', activity: 'pipelineTestStep' },
]);

describe('a diamond pipeline (A → B, A → C, B + C → D)', () => {
  it('joins both branches of every item in D, once, in order', async () => {
    // C is slower than B, so D always holds B's half of an item while it waits for C's.
    const activities = createTestActivities({ delays: { C: 30 } });
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      const runId = env.taskQueue('diamond');
      const all = items(40);
      const run = await startPipeline(env.client, diamond, {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      expect(result.completed).toBe(40);
      const joined = effectsOf(runId, 'D');
      expect(joined.map((e) => e.itemId)).toEqual(all.map((i) => i.id));
      expect(joined.map((e) => e.inputs)).toEqual(all.map((i) => ({ B: `${i.ref}>A>B`, C: `${i.ref}>A>C` })));
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `(B:${i.ref}>A>B+C:${i.ref}>A>C)>D`));
      expect(effectsOf(runId, 'A')).toHaveLength(40);
      const d = await run.stageProgress('D');
      expect(d).toMatchObject({ received: 40, processed: 40, joining: 0, done: true });
    });
  });

  it('fails an item whose other half does not arrive within the join timeout, and drops it when it does', async () => {
    const timed = definePipeline('diamond-join-timeout', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B', 'C'] },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['D'] },
      { name: 'C', activity: 'pipelineTestStep', downstream: ['D'], itemTimeout: '10s' },
      { name: 'D', activity: 'pipelineTestStep', joinTimeout: 1_500 },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('join-timeout');
      // C takes 3 s over item-1: D holds B's half 1.5 s, then gives up on it.
      const all = items(2, (i) => (i === 1 ? 'slow@C' : `r${i}`));
      const run = await startPipeline(env.client, timed, { runId, taskQueue, items: all, closeInput: true });
      const result = await run.result();
      expect(result.items.map((o) => o.status)).toEqual(['completed', 'failed']);
      expect(result.items[1]!.failure).toMatchObject({ stage: 'D', reason: 'join-timeout' });
      expect(result.items[1]!.failure!.message).toContain('C');
      // D never ran its activity for the item, not even when C's late half arrived.
      expect(effectsOf(runId, 'C').map((e) => e.itemId)).toEqual(['item-0', 'item-1']);
      expect(effectsOf(runId, 'D').map((e) => e.itemId)).toEqual(['item-0']);
      expect(await run.stageProgress('D')).toMatchObject({ failed: 1, processed: 1, joining: 0, done: true });
    });
  });
});
