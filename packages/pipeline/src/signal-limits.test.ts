import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline, type PipelineRun } from './client.js';
import { definePipeline } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items, stageStatus } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

const linear = (name: string) =>
  definePipeline(name, [
    { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
    { name: 'B', activity: 'pipelineTestStep' },
  ]);

/** The run's failure: its cause's type and details. */
async function failureOf(run: PipelineRun): Promise<{ type?: string; message: string; details: unknown }> {
  const err = await run.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { type?: string; message: string; details?: unknown[] };
  return { type: cause.type, message: cause.message, details: cause.details?.[0] };
}

describe('items near the signal size limit', () => {
  it('splits batches that would exceed one signal: 40 items of 14 KiB with the default options', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('big-batches');
      // A window of 20 such items is 280 KiB, more than one 256 KiB signal carries.
      const all = items(40, (i) => `r${i}:`.padEnd(14 * 1024, 'x'));
      const run = await startPipeline(env.client, linear('big-batches'), {
        runId,
        taskQueue,
        items: all,
        closeInput: true,
      });
      const result = await run.result();
      expect(result.completed).toBe(40);
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B`));
      expect(effectsOf(runId, 'B').map((e) => e.itemId)).toEqual(all.map((i) => i.id));
    });
  });

  it('fails the run naming item and stage when a stage output cannot fit in one signal on its own', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('huge-output');
      const run = await startPipeline(env.client, linear('huge-output'), {
        runId,
        taskQueue,
        items: items(3, (i) => (i === 1 ? 'big@A' : `r${i}`)),
        closeInput: true,
        maxItemBytes: 512 * 1024,
      });
      const failure = await failureOf(run);
      expect(failure.type).toBe('PipelineItemTooLargeError');
      expect(failure.message).toContain('item "item-1" from stage "A" to "B"');
      expect(failure.details).toMatchObject({ runId, itemId: 'item-1', stage: 'A', target: 'B' });
      for (const stage of ['A', 'B']) await stageStatus(env.client, runId, stage, 'closed');
    });
  });

  it('fails the run naming the item when a fed item cannot fit in one signal on its own', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('huge-input');
      const run = await startPipeline(env.client, linear('huge-input'), {
        runId,
        taskQueue,
        items: items(2, (i) => (i === 0 ? 'x'.repeat(300 * 1024) : `r${i}`)),
        closeInput: true,
        maxItemBytes: 512 * 1024,
      });
      const failure = await failureOf(run);
      expect(failure.type).toBe('PipelineItemTooLargeError');
      expect(failure.message).toContain('item "item-0" from stage "@input" to "A"');
      expect(failure.details).toMatchObject({ runId, itemId: 'item-0', stage: '@input', target: 'A' });
    });
  });
});
