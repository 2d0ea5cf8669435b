import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleOnce, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { MutexClient } from './client.js';
import { mutexWorkflowId } from './index.js';
import { criticalSectionRecorder, workerActivities, workflowsPath } from './test-support.js';
import { exclusiveWorker } from './test-workflows.js';

const historiesDir = fileURLToPath(new URL('./__histories__/', import.meta.url));
const { History } = temporal.api.history.v1;

// Stored as the protobuf encoding the server itself uses.
async function save(workflowId: string, file: string, runId?: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  writeFileSync(`${historiesDir}${file}.pb`, History.encode(History.create(history)).finish());
}
const env = useTemporalTestEnv();

// Histories recorded from real runs of an earlier version. Replaying them against today's code fails on
// any change that would break mutexes and requesters already running in production.
// Record anew (only for an intended, versioned change) with MUTEX_RECORD_HISTORIES=1.
describe('recorded histories', () => {
  it.runIf(process.env.MUTEX_RECORD_HISTORIES === '1')('records histories from a contended run', async () => {
    const recorder = criticalSectionRecorder();
    await env.withWorker(
      { workflowsPath, activities: workerActivities(env, recorder) },
      async (taskQueue) => {
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
        for await (const run of env.client.workflow.list({ query: `WorkflowId = '${mutexId}'` }))
          runs.push(run);
        runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
        expect(runs.length).toBeGreaterThanOrEqual(2);
        for (const [i, run] of runs.entries()) await save(mutexId, `mutex-workflow-run-${i + 1}`, run.runId);
        await save(`${ids[0]}-${resourceId}`, 'first-worker');
        await save(`${ids[1]}-${resourceId}`, 'queued-worker');
        await save(`${ids[5]}-${resourceId}`, 'timed-out-worker');
      },
    );
  });

  it('replay against the current code without non-determinism', async () => {
    const files = readdirSync(historiesDir).filter((f) => f.endsWith('.pb'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const histories = files.map((file) => ({
      workflowId: file,
      history: History.decode(readFileSync(`${historiesDir}${file}`)),
    }));
    const replayed: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await bundleOnce(workflowsPath) },
      histories,
    )) {
      expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
      replayed.push(result.workflowId);
    }
    expect(replayed.sort()).toEqual(files.sort());
  });
});
