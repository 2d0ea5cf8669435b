import { fileURLToPath } from 'node:url';
import { shuffled, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { sendSignal } from '@temporal-patterns/signal-utils/client';
import { startPipeline } from './client.js';
import { pipelineFeedSignal, pipelineItemsSignal } from './definitions.js';
import { definePipeline, stageWorkflowId } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items, stageStatus } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('a linear pipeline', () => {
  it('processes the items it was started with through 3 stages and reports progress', async () => {
    const linear = definePipeline('linear', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['C'] },
      { name: 'C', activity: 'pipelineTestStep' },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('linear');
      const all = items(20);
      const run = await startPipeline(env.client, linear, { runId, taskQueue, items: all, closeInput: true });
      const result = await run.result();
      expect(result).toMatchObject({ runId, completed: 20, failed: 0, skipped: 0 });
      expect(result.items.map((o) => o.id)).toEqual(all.map((i) => i.id));
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B>C`));
      for (const stage of ['A', 'B', 'C']) {
        expect(effectsOf(runId, stage).map((e) => e.idempotencyKey)).toEqual(
          all.map((i) => `${runId}/${stage}/${i.id}`),
        );
        expect(await run.stageProgress(stage)).toMatchObject({
          received: 20,
          processed: 20,
          inFlight: 0,
          done: true,
        });
      }
      expect(await run.progress()).toMatchObject({
        fed: 20,
        completed: 20,
        outstanding: 0,
        inputClosed: true,
        done: true,
      });
    });
  });
});

describe('a linear pipeline under duplicated and reordered deliveries', () => {
  it('processes 200 items in order, exactly once, though early, reversed and duplicated items and feed batches arrive', async () => {
    const linear = definePipeline('linear-dup', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['C'] },
      { name: 'C', activity: 'pipelineTestStep' },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('linear-dup');
      const all = items(200);
      const run = await startPipeline(env.client, linear, { runId, taskQueue, gapTimeout: '5 minutes' });
      const stageB = env.client.workflow.getHandle(stageWorkflowId(runId, 'B'));
      await stageStatus(env.client, runId, 'B', 'running');

      // What A will send B for items 100..199 (seq = index + 1), delivered before A sends anything:
      // reversed, with the first 20 twice.
      const forged = (i: number) => ({
        seq: i + 1,
        item: { id: `item-${i}`, index: i, status: 'ok' as const, ref: `r${i}>A` },
      });
      const late = Array.from({ length: 100 }, (_, k) => forged(199 - k));
      const dupes = Array.from({ length: 20 }, (_, k) => forged(100 + k));
      for (const entries of [late.slice(0, 50), dupes, late.slice(50)]) {
        await sendSignal(env.client, stageB.workflowId, pipelineItemsSignal, {
          sender: stageWorkflowId(runId, 'A'),
          channel: 'A',
          entries,
        });
      }

      // Feed batches of 20, shuffled, every third one twice; the last one closes the input.
      const batches = Array.from({ length: 10 }, (_, b) => ({
        channel: 'test-feeder',
        seq: b + 1,
        sender: 'test',
        payload: { items: all.slice(b * 20, b * 20 + 20), ...(b === 9 ? { last: true } : {}) },
      }));
      const deliveries = shuffled([...batches, ...batches.filter((b) => b.seq % 3 === 0)], 5);
      for (const message of deliveries) await sendSignal(env.client, runId, pipelineFeedSignal, message);

      const result = await run.result();
      expect(result.items.map((o) => o.id)).toEqual(all.map((i) => i.id));
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B>C`));
      for (const stage of ['A', 'B', 'C']) {
        expect(effectsOf(runId, stage).map((e) => e.itemId)).toEqual(all.map((i) => i.id));
      }
      // 20 forged duplicates plus A's own 100 sends of items B already had.
      expect((await run.stageProgress('B')).duplicatesDropped).toBe(120);
      expect((await run.progress()).duplicateFeedBatches).toBe(3);
    });
  });
});

describe('a stage with concurrency', () => {
  it('overlaps activities but hands items on in input order', async () => {
    const overlapping = definePipeline('overlapping', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['C'], concurrency: 3 },
      { name: 'C', activity: 'pipelineTestStep' },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('overlapping');
      // item-0 takes 3 s in B; items 1 and 2 finish there first.
      const all = items(3, (i) => (i === 0 ? 'slow@B' : `r${i}`));
      const run = await startPipeline(env.client, overlapping, {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      const inB = effectsOf(runId, 'B').map((e) => e.itemId);
      expect(inB.at(-1)).toBe('item-0');
      expect([...inB].sort()).toEqual(['item-0', 'item-1', 'item-2']);
      expect(effectsOf(runId, 'C').map((e) => e.itemId)).toEqual(['item-0', 'item-1', 'item-2']);
      expect(result.items.map((o) => o.output)).toEqual(['slow@B>A>B>C', 'r1>A>B>C', 'r2>A>B>C']);
    });
  });
});
