import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { ExternalWorkflowNotFoundError } from '@temporal-patterns/signal-utils';
import { sendSignal } from '@temporal-patterns/signal-utils/client';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { pipelineCreditSignal, pipelineFeedSignal, pipelineItemsSignal } from './definitions.js';
import { InvalidPipelineItemError, UnknownStageError, definePipeline, stageWorkflowId } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items, stageStatus } from './__tests__/test-helpers.js';
import { feedingWorkflow } from './__tests__/test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

const linear = definePipeline('bad-input', [
  { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
  { name: 'B', activity: 'pipelineTestStep' },
]);

describe('bad input', () => {
  it('gets typed errors or log lines, and the stages keep running', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('bad-input');
      const run = await startPipeline(env.client, linear, { runId, taskQueue, items: items(2) });
      const stageB = stageWorkflowId(runId, 'B');
      await stageStatus(env.client, runId, 'B', 'running');

      // Refused by the client before anything is sent.
      await expect(run.feed([{ id: '', ref: 1 }])).rejects.toThrow(InvalidPipelineItemError);
      await expect(run.feed([{ id: 'big', ref: 'x'.repeat(20_000) }])).rejects.toThrow(
        InvalidPipelineItemError,
      );
      // Unknown stages.
      await expect(run.stageProgress('Z')).rejects.toThrow(UnknownStageError);
      await expect(
        sendSignal(env.client, stageWorkflowId(runId, 'Z'), pipelineItemsSignal, {
          sender: 't',
          channel: 'A',
          entries: [],
        }),
      ).rejects.toThrow(ExternalWorkflowNotFoundError);

      // Reaching the workflows anyway: logged and dropped.
      await sendSignal(env.client, runId, pipelineFeedSignal, {
        channel: 'raw',
        seq: 1,
        payload: {
          items: [{ id: 42 } as never, { id: 'item-0', ref: 'again' }, { id: 'item-2', ref: 'r2' }],
        },
      });
      await sendSignal(env.client, stageB, pipelineItemsSignal, {
        sender: 'test',
        channel: 'Z',
        entries: [{ seq: 1, item: { id: 'ghost', index: 0, status: 'ok', ref: 'boo' } }],
      });
      await sendSignal(env.client, stageB, pipelineCreditSignal, { sender: 'test', stage: 'Z', released: 3 });
      await env.client.workflow
        .getHandle(stageB)
        .signal(pipelineItemsSignal.definition, { garbage: true } as never);

      await run.closeInput();
      const result = await run.result();
      expect(result.items.map((o) => [o.id, o.status, o.output])).toEqual([
        ['item-0', 'completed', 'r0>A>B'],
        ['item-1', 'completed', 'r1>A>B'],
        ['item-2', 'completed', 'r2>A>B'],
      ]);
      expect(effectsOf(runId, 'B').map((e) => e.itemId)).toEqual(['item-0', 'item-1', 'item-2']);
      expect(env.logsMatching('dropped an item from feeder "raw"')).not.toHaveLength(0);
      expect(env.logsMatching('dropped item "item-0"')).not.toHaveLength(0);
      expect(env.logsMatching('has no stage "Z"').length).toBeGreaterThanOrEqual(2);
      expect(env.logsMatching('Rejected malformed payload on signal "pipeline.items"')).not.toHaveLength(0);
    });
  });
});

describe('feeding from another workflow', () => {
  it('takes numbered batches from a workflow feeder in order', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('fed');
      const all = items(12);
      const run = await startPipeline(env.client, linear, { runId, taskQueue });
      const batches = await env.client.workflow.execute(feedingWorkflow, {
        taskQueue,
        workflowId: env.taskQueue('feeder'),
        args: [runId, all, 5],
      });
      expect(batches).toBe(3);
      const result = await run.result();
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B`));
    });
  });
});
