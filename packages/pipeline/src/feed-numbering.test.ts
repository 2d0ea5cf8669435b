import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { definePipeline } from './index.js';
import { createTestActivities } from './__tests__/test-activities.js';
import { items } from './__tests__/test-helpers.js';
import { feedingPastARefusalWorkflow } from './__tests__/test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

const linear = definePipeline('feed-numbering', [
  { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
  { name: 'B', activity: 'pipelineTestStep' },
]);

/** 20 items of 15 KiB: each within `maxItemBytes`, together more than one 256 KiB signal. */
const oversizedBatch = items(20, (i) => `big${i}:`.padEnd(15 * 1024, 'x')).map((i) => ({
  ...i,
  id: `big-${i.id}`,
}));

// A gap would hold every later batch back until the gap timeout, and then fail the run as stalled.
const gapTimeout = 2_000;

describe('feed numbering', () => {
  it('gives no number to a client feed that is refused: the feeds around it go through', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('client-refused');
      const all = items(6);
      const run = await startPipeline(env.client, linear, { runId, taskQueue, gapTimeout });
      const settled = await Promise.allSettled([
        run.feed(all.slice(0, 3)),
        run.feed(oversizedBatch),
        run.feed(all.slice(3), { last: true }),
      ]);
      expect(settled.map((s) => (s.status === 'fulfilled' ? 'sent' : (s.reason as Error).name))).toEqual([
        'sent',
        'PayloadTooLargeError',
        'sent',
      ]);
      const result = await run.result();
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B`));
    });
  });

  it('gives no number to a workflow feed that is refused: the feeds around it go through', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('workflow-refused');
      const all = items(6);
      const run = await startPipeline(env.client, linear, { runId, taskQueue, gapTimeout });
      const fed = await env.client.workflow.execute(feedingPastARefusalWorkflow, {
        taskQueue,
        workflowId: env.taskQueue('refused-feeder'),
        args: [runId, all.slice(0, 3), all.slice(3)],
      });
      expect(fed).toEqual({ settled: ['sent', 'PayloadTooLargeError', 'sent'], nextSeq: 3 });
      const result = await run.result();
      expect(result.items.map((o) => o.output)).toEqual(all.map((i) => `${i.ref}>A>B`));
    });
  });
});
