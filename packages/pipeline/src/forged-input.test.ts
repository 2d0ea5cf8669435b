import { fileURLToPath } from 'node:url';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { sendSignal } from '@temporal-patterns/signal-utils/client';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import {
  pipelineFeedSignal,
  pipelineItemsSignal,
  pipelineStageFailedSignal,
  type ItemEnvelope,
} from './definitions.js';
import { definePipeline, stageWorkflowId } from './index.js';
import { createTestActivities } from './__tests__/test-activities.js';
import { items, stageStatus } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

const linear = definePipeline('forged-input', [
  { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
  { name: 'B', activity: 'pipelineTestStep' },
]);

// Short, so a forged gap that holds an edge back would fail the run within the test.
const gapTimeout = 1_000;

/** A forged item: "skipped", so one that took a real item's place shows in the result. */
const forged = (id: string, index: number): ItemEnvelope => ({
  id,
  index,
  status: 'skipped',
  failure: { stage: 'forger', reason: 'error', message: 'forged' },
});

/** One forged signal: where it goes, what it says, and the log line by which it is refused. */
interface Attack {
  name: string;
  to: 'A' | 'run';
  signal: typeof pipelineItemsSignal | typeof pipelineStageFailedSignal | typeof pipelineFeedSignal;
  payload: (runId: string) => unknown;
  logged: string;
}

const attacks: Attack[] = [
  {
    name: 'an end of the input edge not from the run',
    to: 'A',
    signal: pipelineItemsSignal,
    payload: () => ({ sender: 'forger', channel: '@input', entries: [], endAfter: 0 }),
    logged: 'stage A dropped items on "@input" from forger',
  },
  {
    name: 'items taking the sequence numbers the run will send',
    to: 'A',
    signal: pipelineItemsSignal,
    payload: () => ({
      sender: 'forger',
      channel: '@input',
      entries: [1, 2].map((seq) => ({ seq, item: forged(`forged-${seq}`, seq - 1) })),
    }),
    logged: 'stage A dropped items on "@input" from forger',
  },
  {
    // Even from the run's own id: a million ahead is more than it can have sent.
    name: 'an item numbered far ahead',
    to: 'A',
    signal: pipelineItemsSignal,
    payload: (runId) => ({
      sender: runId,
      channel: '@input',
      entries: [{ seq: 1_000_000, item: forged('far', 999_999) }],
    }),
    logged: 'stage A dropped item 1000000 on "@input"',
  },
  {
    name: 'an end of the last stage not from the stage',
    to: 'run',
    signal: pipelineItemsSignal,
    payload: () => ({ sender: 'forger', channel: 'B', entries: [], endAfter: 0 }),
    logged: 'dropped items on "B" from forger',
  },
  {
    name: 'an outcome of the last stage not from the stage',
    to: 'run',
    signal: pipelineItemsSignal,
    payload: () => ({ sender: 'forger', channel: 'B', entries: [{ seq: 1, item: forged('outcome', 0) }] }),
    logged: 'dropped items on "B" from forger',
  },
  {
    name: 'a failure report of a stage not from the stage',
    to: 'run',
    signal: pipelineStageFailedSignal,
    payload: () => ({ sender: 'forger', stage: 'B', kind: 'stalled', detail: 'forged' }),
    logged: 'ignored a failure report of stage "B" from forger',
  },
  {
    name: 'a feed batch numbered 2 on a channel whose batch 1 never comes',
    to: 'run',
    signal: pipelineFeedSignal,
    payload: () => ({ channel: 'forger', seq: 2, sender: 'forger', payload: { items: [] } }),
    logged: 'ignored the missing feed batches before 2 from "forger"',
  },
  {
    name: 'a fed item with a 100 KiB id',
    to: 'run',
    signal: pipelineFeedSignal,
    payload: () => ({
      channel: 'forger',
      seq: 1,
      sender: 'forger',
      payload: { items: [{ id: 'x'.repeat(100 * 1024), ref: 'x' }] },
    }),
    logged: 'dropped an item from feeder "forger"',
  },
];

describe('forged input', () => {
  it.each(attacks)('refuses $name; the run completes every real item fed after it', async (attack) => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('forged');
      const run = await startPipeline(env.client, linear, { runId, taskQueue, gapTimeout });
      await stageStatus(env.client, runId, 'B', 'running');
      const target = attack.to === 'run' ? runId : stageWorkflowId(runId, attack.to);
      await env.client.workflow.getHandle(target).signal(attack.signal.name, attack.payload(runId));
      const refusals = () => env.logsMatching(attack.logged).filter((l) => l.meta?.workflowId === target);
      await pollUntil(() => refusals().length > 0, { what: `the refusal logged: ${attack.logged}` });
      // Past the gap timeout: a gap the forgery opened would fail the run in this while.
      await new Promise((resolve) => setTimeout(resolve, gapTimeout * 2));

      const all = items(5);
      await run.feed(all, { last: true });
      const result = await run.result();
      expect(result.items.map((o) => [o.id, o.status, o.output])).toEqual(
        all.map((i) => [i.id, 'completed', `${i.ref}>A>B`]),
      );
      expect(refusals()).toHaveLength(1);
    });
  });

  it('keeps the first of two different items with one number, and refuses an end that contradicts them', async () => {
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('renumbered');
      const run = await startPipeline(env.client, linear, { runId, taskQueue, gapTimeout: '5 minutes' });
      const stageB = stageWorkflowId(runId, 'B');
      const fromA = stageWorkflowId(runId, 'A');
      await stageStatus(env.client, runId, 'B', 'running');
      // Items 2 and 3 of edge A → B early (as a retried delivery brings them), then another item 3 and an
      // end after 1 that would drop them.
      const early = (i: number) => ({
        seq: i + 1,
        item: { id: `item-${i}`, index: i, status: 'ok' as const, ref: `r${i}>A` },
      });
      await sendSignal(env.client, stageB, pipelineItemsSignal, {
        sender: fromA,
        channel: 'A',
        entries: [early(1), early(2)],
      });
      await sendSignal(env.client, stageB, pipelineItemsSignal, {
        sender: fromA,
        channel: 'A',
        entries: [{ seq: 3, item: forged('other', 2) }],
        endAfter: 1,
      });
      const all = items(4);
      await run.feed(all, { last: true });
      const result = await run.result();
      expect(result.items.map((o) => [o.id, o.status, o.output])).toEqual(
        all.map((i) => [i.id, 'completed', `${i.ref}>A>B`]),
      );
      expect(env.logsMatching('stage B dropped item 3 on "A": differs')).toHaveLength(1);
      expect(env.logsMatching('stage B dropped end after 1 on "A"')).toHaveLength(1);
    });
  });
});
