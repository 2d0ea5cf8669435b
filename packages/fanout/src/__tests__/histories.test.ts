import { fileURLToPath } from 'node:url';
import {
  defineHistoryReplayTests,
  fetchRunHistories,
  recordHistory,
  replayHistories,
  useTemporalTestEnv,
} from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startFanout } from '../client.js';

const historiesDir = new URL('../__histories__/', import.meta.url);
const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

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
  const parents = await fetchRunHistories(env.client, handle.workflowId, handle.firstExecutionRunId);
  return { handle, summary, parents };
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

      // Every run replays against the current code, under the recorded id: child ids derive from it.
      const replayed = await replayHistories(
        workflowsPath,
        parents.map((history) => ({ workflowId: handle.workflowId, history })),
      );
      expect(replayed).toBe(parents.length);
    });
  }, 120_000);
});

// Histories recorded from real runs of an earlier version: replaying them fails on any change that would
// break fan-outs already running. Record anew only for an intended, versioned change. The recording below
// writes the continue-as-new set (parent-run-*, done-child, cleaned-up-child); the other parent histories
// (a cancelled fan-out, with and without an armed timer, a deaf child cancelled after its grace, rejected
// reports, a child that could not start) come from test runs of the code before the workflow was split into
// options, machine and workflow, and stay as they are.
defineHistoryReplayTests({
  historiesDir,
  workflowsPath,
  minHistories: 11,
  record: {
    env: 'FANOUT_RECORD_HISTORIES',
    timeoutMs: 120_000,
    run: () =>
      env.withWorker({ workflowsPath }, async (taskQueue) => {
        const { handle, parents } = await runHangingFanout(taskQueue);
        let runId: string | undefined = handle.firstExecutionRunId;
        for (let run = 0; runId; run++) {
          const file = `parent-run-${run}`;
          await recordHistory(env.client, { historiesDir, workflowId: handle.workflowId, runId, file });
          const last = parents[run]?.events?.at(-1);
          runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId || undefined;
        }
        for (const [index, file] of [
          [0, 'done-child'],
          [3, 'cleaned-up-child'],
        ] as const) {
          await recordHistory(env.client, {
            historiesDir,
            workflowId: `${handle.workflowId}/${index}`,
            file,
          });
        }
      }),
  },
});
