import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleOnce, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const historiesDir = fileURLToPath(new URL('./__histories__/', import.meta.url));
const { History } = temporal.api.history.v1;
type History = temporal.api.history.v1.IHistory;
const env = useTemporalTestEnv();

/** Every run of a workflow, first to last, following the continue-as-new chain. */
async function runHistories(workflowId: string, firstRunId: string): Promise<History[]> {
  const runs: History[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(history);
    runId =
      history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

// The workflow id must be the recorded one: child ids are derived from it.
async function replay(histories: { workflowId: string; history: History }[]): Promise<number> {
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await bundleOnce(workflowsPath) },
    histories,
  )) {
    expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
    replayed++;
  }
  return replayed;
}

/** 30 children, window 5, one that hangs: it is still running when the parent continues as new. */
async function runHangingFanout(taskQueue: string) {
  const inputs = Array.from({ length: 30 }, (_, i) => (i === 3 ? 'hang' : `ok:${i}`));
  const handle = await startFanout(env.client, {
    workflowId: env.taskQueue('carried'),
    taskQueue,
    childWorkflowType: 'scriptedChild',
    inputs,
    window: 5,
    maxHistoryEvents: 60,
    // Long enough that the straggler outlives the first run even on a loaded machine.
    childTimeout: '20s',
    cleanupGrace: '2s',
  });
  const summary = await handle.result();
  return { handle, summary, parents: await runHistories(handle.workflowId, handle.firstExecutionRunId) };
}

describe('continue-as-new', () => {
  it('carries children in flight into the next runs: a straggler released in run 1 times out in a later run', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const { handle, summary, parents } = await runHangingFanout(taskQueue);
      expect(summary).toMatchObject({ status: 'completed', done: 29, timedOut: 1 });
      expect(summary.outcomes[3]).toMatchObject({ status: 'timed-out' });
      expect(summary.runs).toBe(parents.length);
      expect(summary.runs).toBeGreaterThan(2);
      const releasedIn = parents.findIndex((h) =>
        h.events?.some(
          (e) =>
            e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'fanout.start' &&
            e.signalExternalWorkflowExecutionInitiatedEventAttributes.workflowExecution?.workflowId ===
              `${handle.workflowId}/3`,
        ),
      );
      const cleanedIn = parents.findIndex((h) =>
        h.events?.some(
          (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'fanout.clean-up',
        ),
      );
      expect(releasedIn).toBeGreaterThanOrEqual(0);
      expect(cleanedIn).toBeGreaterThan(releasedIn);

      // Every run replays against the current code.
      const replayed = await replay(parents.map((history) => ({ workflowId: handle.workflowId, history })));
      expect(replayed).toBe(parents.length);
    });
  }, 120_000);
});

// Histories recorded from real runs of an earlier version. Replaying them against today's code fails on
// any change that would break fan-outs already running. Record anew (only for an intended, versioned
// change) with FANOUT_RECORD_HISTORIES=1.
describe('recorded histories', () => {
  it.runIf(process.env.FANOUT_RECORD_HISTORIES === '1')(
    'records the histories',
    async () => {
      await env.withWorker({ workflowsPath }, async (taskQueue) => {
        const { handle, parents } = await runHangingFanout(taskQueue);
        const manifest: Record<string, string> = {};
        const save = (file: string, workflowId: string, history: History): void => {
          writeFileSync(`${historiesDir}${file}`, History.encode(History.create(history)).finish());
          manifest[file] = workflowId;
        };
        parents.forEach((history, i) => save(`parent-run-${i}.pb`, handle.workflowId, history));
        for (const [index, name] of [
          [0, 'done-child'],
          [3, 'cleaned-up-child'],
        ] as const) {
          const childId = `${handle.workflowId}/${index}`;
          save(`${name}.pb`, childId, await env.client.workflow.getHandle(childId).fetchHistory());
        }
        writeFileSync(`${historiesDir}workflow-ids.json`, `${JSON.stringify(manifest, null, 2)}\n`);
      });
    },
    120_000,
  );

  it('replay against the current code without non-determinism', async () => {
    const workflowIds = JSON.parse(readFileSync(`${historiesDir}workflow-ids.json`, 'utf8')) as Record<
      string,
      string
    >;
    const files = readdirSync(historiesDir).filter((f) => f.endsWith('.pb'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const replayed = await replay(
      files.map((file) => ({
        workflowId: workflowIds[file]!,
        history: History.decode(readFileSync(`${historiesDir}${file}`)),
      })),
    );
    expect(replayed).toBe(files.length);
  });
});
