import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { sendSignal } from '@temporal-patterns/signal-utils/client';
import { describe, expect, it } from 'vitest';
import { startPipeline, type PipelineRun } from './client.js';
import { pipelineItemsSignal } from './definitions.js';
import { definePipeline, stageWorkflowId, type StageDefinition } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items, stageStatus } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

/** A → B → C where B has the given options. */
function linear(name: string, b: Partial<StageDefinition> = {}) {
  return definePipeline(name, [
    { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
    { name: 'B', activity: 'pipelineTestStep', downstream: ['C'], ...b },
    { name: 'C', activity: 'pipelineTestStep' },
  ]);
}

/** The run fails with `type` as its cause, the message says each of `says`, and every stage closes. */
async function expectRunFailed(run: PipelineRun, type: string, ...says: string[]): Promise<void> {
  const err = await run.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const { cause } = err as WorkflowFailedError;
  expect(cause).toMatchObject({ type });
  for (const text of says) expect(cause!.message).toContain(text);
  for (const stage of ['A', 'B', 'C']) await stageStatus(env.client, run.runId, stage, 'closed');
}

describe('failure propagation', () => {
  it('passes an item that fails in a stage downstream as failed and reports stage and item', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('stage-failure');
      const all = items(6, (i) => (i === 2 ? 'fail@B' : `r${i}`));
      const run = await startPipeline(env.client, linear('failing'), {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      expect(result.items.map((o) => o.status)).toEqual([
        'completed',
        'completed',
        'failed',
        'completed',
        'completed',
        'completed',
      ]);
      expect(result.items[2]).toMatchObject({
        id: 'item-2',
        failure: { stage: 'B', reason: 'error', message: 'cannot process item-2' },
      });
      expect(result).toMatchObject({ completed: 5, failed: 1 });
      // C saw the failed item (it did not wait for it) but never processed it.
      expect(effectsOf(runId, 'C').map((e) => e.itemId)).not.toContain('item-2');
      expect(await run.stageProgress('C')).toMatchObject({
        received: 6,
        processed: 5,
        failed: 1,
        done: true,
      });
    });
  });

  it('cuts a long failure message to 1,000 characters before it travels with the item', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('long-failure');
      const all = items(2, (i) => (i === 0 ? 'longfail@B' : `r${i}`));
      const run = await startPipeline(env.client, linear('long-failure'), {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      expect(result.items.map((o) => o.status)).toEqual(['failed', 'completed']);
      const message = result.items[0]!.failure!.message;
      expect(message).toHaveLength(1_000);
      expect(message).toMatch(/^cannot process item-0: !+…$/);
    });
  });

  it('reports a stage timeout with stage and item, and the other items complete', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('stage-timeout');
      const all = items(4, (i) => (i === 1 ? 'slow@B' : `r${i}`));
      const definition = linear('timing-out', { itemTimeout: 500, retry: { maximumAttempts: 1 } });
      const run = await startPipeline(env.client, definition, {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      expect(result.items.map((o) => o.status)).toEqual(['completed', 'failed', 'completed', 'completed']);
      expect(result.items[1]).toMatchObject({ id: 'item-1', failure: { stage: 'B', reason: 'timeout' } });
      expect(effectsOf(runId, 'C').map((e) => e.itemId)).toEqual(['item-0', 'item-2', 'item-3']);
    });
  });

  it('skips a timed-out item when the stage policy says skip-item', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('stage-skip');
      const all = items(3, (i) => (i === 0 ? 'slow@B' : `r${i}`));
      const definition = linear('skipping', {
        itemTimeout: 500,
        retry: { maximumAttempts: 1 },
        onTimeout: 'skip-item',
      });
      const run = await startPipeline(env.client, definition, {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      expect(result.items.map((o) => o.status)).toEqual(['skipped', 'completed', 'completed']);
      expect(result.items[0]!.failure).toMatchObject({ stage: 'B', reason: 'timeout' });
      expect(result.skipped).toBe(1);
    });
  });

  it('fails the run naming stage and item when the stage policy says fail-run, and stops every stage', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('fail-run');
      const all = items(5, (i) => (i === 3 ? 'fail@B' : `r${i}`));
      const run = await startPipeline(env.client, linear('fail-run', { onFailure: 'fail-run' }), {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      await expectRunFailed(run, 'PipelineItemFailedError', 'item "item-3" failed in stage "B"');
    });
  });

  it('fails the run as stalled when a stage misses a sequence number past the gap timeout', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('gap');
      const run = await startPipeline(env.client, linear('gap'), { runId, taskQueue, gapTimeout: 500 });
      const stageB = stageWorkflowId(runId, 'B');
      await stageStatus(env.client, runId, 'B', 'running');
      // Item 2 of edge A → B without item 1: B holds it, then reports the gap instead of waiting forever.
      await sendSignal(env.client, stageB, pipelineItemsSignal, {
        sender: stageWorkflowId(runId, 'A'),
        channel: 'A',
        entries: [{ seq: 2, item: { id: 'x', index: 1, status: 'ok', ref: 'x' } }],
      });
      await expectRunFailed(run, 'PipelineStalledError', 'stage "B" waited', 'item 1 from "A"');
    });
  });

  it('fails the run as stalled when a stage waits for credit past the credit timeout', async () => {
    const narrow = definePipeline('narrow', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
      { name: 'B', activity: 'pipelineTestStep', downstream: ['C'] },
      { name: 'C', activity: 'pipelineTestStep', window: 1 },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('credit');
      // C holds item-0 for 3 s with a window of 1: B cannot hand item-1 on and gives up after 500 ms.
      const all = items(2, (i) => (i === 0 ? 'slow@C' : `r${i}`));
      const run = await startPipeline(env.client, narrow, {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
        creditTimeout: 500,
      });
      await expectRunFailed(
        run,
        'PipelineStalledError',
        'stage "B" waited',
        'credit from "C" (item "item-1" waiting)',
      );
    });
  });

  it('fails the run as stalled when nothing moves within the idle timeout', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('idle');
      const run = await startPipeline(env.client, linear('idle', { itemTimeout: '10s' }), {
        runId,
        taskQueue,
        items: items(1, () => 'slow@B'),
        closeInput: true,
        idleTimeout: 1_000,
      });
      await expectRunFailed(run, 'PipelineStalledError', 'stage "@run" waited');
    });
  });
});
