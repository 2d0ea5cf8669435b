import { fileURLToPath } from 'node:url';
import {
  defineHistoryReplayTests,
  recordHistoryRuns,
  useTemporalTestEnv,
} from '@temporal-patterns/temporal-harness/testing';
import { expect } from 'vitest';
import { startPipeline } from '../client.js';
import { definePipeline, stageWorkflowId } from '../index.js';
import { createTestActivities } from './test-activities.js';
import { items } from './test-helpers.js';

const historiesDir = new URL('../__histories__/', import.meta.url);
const workflowsPath = fileURLToPath(new URL('../index.ts', import.meta.url));
const env = useTemporalTestEnv();

// Histories recorded from a real run of an earlier version: a diamond with a failing item, small windows
// and forced continue-as-new. Each run is saved as `<encoded workflow id>--run-<n>.pb`: replay needs the
// real workflow id, since stage ids derive from it. Record anew only for an intended, versioned change.
defineHistoryReplayTests({
  historiesDir,
  workflowsPath,
  minHistories: 9,
  record: {
    env: 'PIPELINE_RECORD_HISTORIES',
    title: 'records histories from a diamond run',
    run: async () => {
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
        expect(
          await recordHistoryRuns(env.client, { historiesDir, workflowId: runId }),
        ).toBeGreaterThanOrEqual(1);
        for (const stage of ['A', 'B', 'C', 'D']) {
          const workflowId = stageWorkflowId(runId, stage);
          expect(await recordHistoryRuns(env.client, { historiesDir, workflowId })).toBeGreaterThanOrEqual(2);
        }
      });
    },
  },
});
