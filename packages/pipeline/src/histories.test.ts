import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleOnce, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { definePipeline, stageWorkflowId } from './index.js';
import { createTestActivities } from './test-activities.js';
import { items } from './test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const historiesDir = fileURLToPath(new URL('./__histories__/', import.meta.url));
const { History } = temporal.api.history.v1;
const env = useTemporalTestEnv();

/**
 * Saves every run of `workflowId` (continue-as-new makes several) as `<encoded workflow id>--run-<n>.pb`:
 * replay needs the real workflow id, since stage ids derive from it.
 */
async function saveRuns(workflowId: string): Promise<number> {
  const runs = [];
  for await (const run of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const [i, run] of runs.entries()) {
    const history = await env.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    writeFileSync(
      `${historiesDir}${encodeURIComponent(workflowId)}--run-${i + 1}.pb`,
      History.encode(History.create(history)).finish(),
    );
  }
  return runs.length;
}

// Histories recorded from a real run of an earlier version: a diamond with a failing item, small windows
// and forced continue-as-new. Replaying them against today's code fails on any change that would break
// runs already in flight. Record anew (only for an intended, versioned change) with
// PIPELINE_RECORD_HISTORIES=1.
describe('recorded histories', () => {
  it.runIf(process.env.PIPELINE_RECORD_HISTORIES === '1')(
    'records histories from a diamond run',
    async () => {
      const diamond = definePipeline('recorded', [
        { name: 'A', activity: 'pipelineTestStep', downstream: ['B', 'C'], window: 3 },
        { name: 'B', activity: 'pipelineTestStep', downstream: ['D'], window: 3 },
        { name: 'C', activity: 'pipelineTestStep', downstream: ['D'], window: 3 },
        { name: 'D', activity: 'pipelineTestStep', window: 3 },
      ]);
      await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
        const runId = env.taskQueue('recorded');
        const all = items(12, (i) => (i === 4 ? 'fail@B' : `r${i}`));
        const run = await startPipeline(env.client, diamond, {
          runId,
          taskQueue,
          maxHistoryEvents: 60,
          items: all.slice(0, 6),
        });
        await run.feed(all.slice(6), { last: true });
        const result = await run.result();
        expect(result).toMatchObject({ completed: 11, failed: 1 });
        expect(await saveRuns(runId)).toBeGreaterThanOrEqual(1);
        for (const stage of ['A', 'B', 'C', 'D']) {
          expect(await saveRuns(stageWorkflowId(runId, stage))).toBeGreaterThanOrEqual(2);
        }
      });
    },
  );

  it('replay against the current code without non-determinism', async () => {
    const files = readdirSync(historiesDir).filter((f) => f.endsWith('.pb'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    const histories = files.map((file) => ({
      workflowId: decodeURIComponent(file.split('--run-')[0]!),
      history: History.decode(readFileSync(`${historiesDir}${file}`)),
    }));
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await bundleOnce(workflowsPath) },
      histories,
    )) {
      expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
      replayed += 1;
    }
    expect(replayed).toBe(files.length);
  });
});
