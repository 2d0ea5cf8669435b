import { fileURLToPath } from 'node:url';
import {
  defineHistoryReplayTests,
  recordHistory,
  useTemporalTestEnv,
} from '@temporal-patterns/temporal-harness/testing';
import { expect } from 'vitest';
import { MutexClient } from '../client.js';
import { mutexWorkflowId } from '../index.js';
import { criticalSectionRecorder, workerActivities } from './test-support.js';
import { exclusiveWorker } from './test-workflows.js';

const historiesDir = new URL('../__histories__/', import.meta.url);
const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

/** Runs six contending workers (one times out at once) and a client, then saves every mutex run and three workers. */
async function recordContendedRun(): Promise<void> {
  const recorder = criticalSectionRecorder();
  await env.withWorker({ workflowsPath, activities: workerActivities(env, recorder) }, async (taskQueue) => {
    const resourceId = env.taskQueue('recorded');
    const ids = Array.from({ length: 6 }, (_, i) => `recorded-worker-${i}`);
    await Promise.all(
      ids.map((workflowId, i) =>
        env.client.workflow.execute(exclusiveWorker, {
          taskQueue,
          workflowId: `${workflowId}-${resourceId}`,
          args: [
            {
              resourceId,
              workflowId,
              timeoutMs: i === 5 ? 1 : 60_000,
              holdMs: 50,
              maxHistoryEvents: 40,
              idleTimeout: 500,
            },
          ],
        }),
      ),
    );
    const client = new MutexClient(env.client, { taskQueue });
    await client.withLock(resourceId, { timeout: '10s' }, async () => undefined);
    // Every run of the mutex: those that continued as new, and the last one, completed when idle.
    const mutexId = mutexWorkflowId(resourceId);
    await env.client.workflow.getHandle(mutexId).result();
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${mutexId}'` })) runs.push(run);
    runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const [i, run] of runs.entries()) {
      await recordHistory(env.client, {
        historiesDir,
        workflowId: mutexId,
        runId: run.runId,
        file: `mutex-workflow-run-${i + 1}`,
      });
    }
    const workers = { 'first-worker': ids[0], 'queued-worker': ids[1], 'timed-out-worker': ids[5] };
    for (const [file, id] of Object.entries(workers)) {
      await recordHistory(env.client, { historiesDir, workflowId: `${id}-${resourceId}`, file });
    }
  });
}

// Histories recorded from real runs of an earlier version. Replaying them against today's code fails on
// any change that would break mutexes and requesters already running in production. Record anew (only
// for an intended, versioned change) with MUTEX_RECORD_HISTORIES=1, then keep the older files beside the
// new ones: the `-direct-request` files were recorded after #15 (plain-signal requests), the others before.
defineHistoryReplayTests({
  historiesDir,
  workflowsPath,
  minHistories: 12,
  record: {
    env: 'MUTEX_RECORD_HISTORIES',
    title: 'records histories from a contended run',
    run: recordContendedRun,
  },
});
