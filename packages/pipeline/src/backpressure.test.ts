import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { sendSignal } from '@temporal-patterns/signal-utils/client';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { pipelineCreditSignal, pipelineItemsSignal, type CreditMessage } from './definitions.js';
import { definePipeline, stageWorkflowId } from './index.js';
import { createTestActivities, effectsOf } from './__tests__/test-activities.js';
import { items, stageStatus } from './__tests__/test-helpers.js';

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

  it('keeps credit that runs ahead of what was sent: an upstream is not left waiting when its downstream already had the items', async () => {
    const narrow = definePipeline('ahead', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
      { name: 'B', activity: 'pipelineTestStep', window: 2 },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('ahead');
      const all = items(10);
      const run = await startPipeline(env.client, narrow, { runId, taskQueue, creditTimeout: 2_000 });
      // B gets every item of edge A → B before A sends any (as a retried delivery could bring them): it
      // processes them, hands them on and credits A with all 10 while A has sent none.
      await stageStatus(env.client, runId, 'B', 'running');
      await sendSignal(env.client, stageWorkflowId(runId, 'B'), pipelineItemsSignal, {
        sender: stageWorkflowId(runId, 'A'),
        channel: 'A',
        entries: all.map((item, i) => ({
          seq: i + 1,
          item: { id: item.id, index: i, status: 'ok' as const, ref: `${item.ref}>A` },
        })),
      });
      const stageA = env.client.workflow.getHandle(stageWorkflowId(runId, 'A'));
      await pollUntil(
        async () =>
          (await stageA.fetchHistory()).events?.some((event) => {
            const signaled = event.workflowExecutionSignaledEventAttributes;
            if (signaled?.signalName !== pipelineCreditSignal.name) return false;
            const credit = defaultPayloadConverter.fromPayload<CreditMessage>(signaled.input!.payloads![0]!);
            return credit.released === all.length;
          }),
        { what: 'B to credit A with every item' },
      );

      // A sends its 10 items 2 at a time: B drops them as duplicates and has no credit left to give.
      await run.feed(all, { last: true });
      const result = await run.result();
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B`));
      expect(effectsOf(runId, 'A')).toHaveLength(10);
      expect(effectsOf(runId, 'B')).toHaveLength(10);
      expect((await run.stageProgress('B')).duplicatesDropped).toBe(10);
    });
  });
});
