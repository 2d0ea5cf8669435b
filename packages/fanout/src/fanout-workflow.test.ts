import { fileURLToPath } from 'node:url';
import { InvalidSignalPayloadError } from '@temporal-patterns/signal-utils';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  InvalidFanoutInputError,
  fanoutWorkflow,
  getFanoutProgress,
  sendFanoutReport,
  startFanout,
} from './client.js';
import { proceedSignal } from './test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

/** An activity that records how many children run it at once. */
function concurrencyProbe() {
  const seen: string[] = [];
  let now = 0;
  let max = 0;
  return {
    seen,
    max: () => max,
    activities: {
      async fanoutTestProbe(input: string): Promise<void> {
        seen.push(input);
        now++;
        max = Math.max(max, now);
        await new Promise((resolve) => setTimeout(resolve, 20));
        now--;
      },
    },
  };
}

/** Names of the signals a workflow received, in order. */
async function signalsReceived(workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionSignaledEventAttributes?.signalName
      ? [e.workflowExecutionSignaledEventAttributes.signalName]
      : [],
  );
}

async function statusOf(workflowId: string): Promise<string> {
  return (await env.client.workflow.getHandle(workflowId).describe()).status.name;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not reached within 20 s');
}

/** How a workflow closed. The parent does not wait for its children to close, so this waits for it. */
function closedStatusOf(workflowId: string): Promise<string> {
  return eventually(
    () => statusOf(workflowId),
    (status) => status !== 'RUNNING',
  );
}

describe('fanoutWorkflow', () => {
  it('runs 100 children through a window of 10 and collects every result in input order', async () => {
    const probe = concurrencyProbe();
    await env.withWorker({ workflowsPath, activities: probe.activities }, async (taskQueue) => {
      const inputs = Array.from({ length: 100 }, (_, i) => `probe:${i}`);
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('fanout-100'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs,
        window: 10,
      });
      const summary = await handle.result();
      expect(probe.seen).toHaveLength(100);
      expect(probe.max()).toBeLessThanOrEqual(10);
      expect(summary.maxRunning).toBeLessThanOrEqual(10);
      expect(summary).toMatchObject({ status: 'completed', total: 100, done: 100, failed: 0 });
      expect(summary.outcomes.map((o) => o.resultRef)).toEqual(inputs.map((_, i) => `result:${i}`));
      expect(summary.outcomes.map((o) => o.childId)).toEqual(
        inputs.map((_, i) => `${handle.workflowId}/${i}`),
      );
      expect(summary.valueSum).toBe((99 * 100) / 2);
    });
  });

  it('fail-fast: the first failure cleans up the running children and skips the rest', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('fail-fast'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['hang', 'hang', 'gated-fail:2', 'hang', 'hang', 'ok:5', 'ok:6', 'ok:7'],
        window: 5,
        policy: 'fail-fast',
      });
      // Children 5–7 are started ahead of the window; child 2 fails only once they exist.
      for (const index of [5, 6, 7]) {
        await eventually(
          () => statusOf(`${handle.workflowId}/${index}`).catch(() => 'NOT_STARTED'),
          (status) => status === 'RUNNING',
        );
      }
      await env.client.workflow.getHandle(`${handle.workflowId}/2`).signal(proceedSignal);
      const summary = await handle.result();
      expect(summary).toMatchObject({
        status: 'failed',
        reason: 'fail-fast',
        failed: 1,
        cancelled: 4,
        skipped: 3,
      });
      expect(summary.outcomes.map((o) => o.status)).toEqual([
        'cancelled',
        'cancelled',
        'failed',
        'cancelled',
        'cancelled',
        'skipped',
        'skipped',
        'skipped',
      ]);
      expect(summary.outcomes[2]!.error).toBe('boom 2');
      expect(await closedStatusOf(`${handle.workflowId}/2`)).toBe('FAILED');
      // The hanging children got the clean-up signal and ended by themselves (not by cancellation).
      for (const index of [0, 1, 3, 4]) {
        const childId = `${handle.workflowId}/${index}`;
        expect(await signalsReceived(childId)).toEqual(['fanout.start', 'fanout.clean-up']);
        expect(await closedStatusOf(childId)).toBe('COMPLETED');
      }
      // Started ahead but never released: told to clean up while waiting.
      for (const index of [5, 6, 7]) {
        expect(await signalsReceived(`${handle.workflowId}/${index}`)).toEqual(['fanout.clean-up']);
      }
    });
  });

  it("runs the child's onCleanup hook with the clean-up reason", async () => {
    const cleanups: string[] = [];
    const activities = {
      async fanoutTestCleanup(childId: string, reason: string): Promise<void> {
        cleanups.push(`${childId} ${reason}`);
      },
    };
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('on-cleanup'),
        taskQueue,
        childWorkflowType: 'cleanupRecordingChild',
        inputs: ['hang', 'fail'],
        policy: 'fail-fast',
      });
      expect(await handle.result()).toMatchObject({ status: 'failed', failed: 1, cancelled: 1 });
      expect(cleanups).toEqual([`${handle.workflowId}/0 fail-fast`]);
    });
  });

  it('quorum 3 of 5 ends as soon as three are done and cleans up the rest', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('quorum'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['ok:1', 'hang', 'ok:2', 'hang', 'ok:3'],
        window: 5,
        policy: { quorum: 3 },
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', reason: 'quorum-reached', done: 3, cancelled: 2 });
      expect(summary.outcomes.map((o) => o.resultRef ?? o.status)).toEqual([
        'result:1',
        'cancelled',
        'result:2',
        'cancelled',
        'result:3',
      ]);
      for (const index of [1, 3]) {
        expect(await signalsReceived(`${handle.workflowId}/${index}`)).toContain('fanout.clean-up');
      }
    });
  });

  it('quorum fails as soon as it can no longer be reached', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('quorum-impossible'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['fail:1', 'hang', 'fail:2', 'ok:3'],
        window: 4,
        policy: { quorum: 3 },
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'failed', reason: 'quorum-impossible', failed: 2 });
      expect(summary.outcomes[1]!.status).toBe('cancelled');
    });
  });

  it('counts a duplicated "done" once', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('duplicates'),
        taskQueue,
        childWorkflowType: 'duplicateReporterChild',
        inputs: ['a', 'b', 'gated'],
      });
      // Keep the fan-out open (its last child waits) until both duplicates have arrived.
      const progress = await eventually(
        () => getFanoutProgress(handle),
        (p) => p.duplicateReports === 2,
      );
      expect(progress).toMatchObject({ done: 2, pending: 1 });
      await env.client.workflow.getHandle(`${handle.workflowId}/2`).signal(proceedSignal);
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', done: 3, valueSum: 3 });
      expect(summary.duplicateReports).toBeGreaterThanOrEqual(2);
      expect(summary.outcomes.map((o) => o.resultRef)).toEqual(['result:0', 'result:1', 'result:2']);
    });
  });

  it('times out a child that never reports, which then cleans up', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('child-timeout'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['ok:1', 'hang', 'ok:3'],
        window: 2,
        childTimeout: '3s',
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', done: 2, timedOut: 1 });
      expect(summary.outcomes[1]).toMatchObject({
        status: 'timed-out',
        error: 'no report before the deadline',
      });
      const straggler = `${handle.workflowId}/1`;
      expect(await signalsReceived(straggler)).toEqual(['fanout.start', 'fanout.clean-up']);
      expect(await closedStatusOf(straggler)).toBe('COMPLETED');
    });
  });

  it('counts a child that gave up waiting for its start signal as failed', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('impatient'),
        taskQueue,
        childWorkflowType: 'impatientChild',
        inputs: ['slow', 'b'],
        window: 1,
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', done: 1, failed: 1 });
      expect(summary.outcomes[1]).toMatchObject({
        status: 'failed',
        error: 'the child ended without reporting',
      });
      expect(await signalsReceived(`${handle.workflowId}/1`)).toEqual([]);
    });
  });

  it('cancels a timed-out child that ignores the clean-up signal', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('deaf'),
        taskQueue,
        childWorkflowType: 'deafChild',
        inputs: ['x'],
        childTimeout: '500ms',
        cleanupGrace: '500ms',
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', timedOut: 1 });
      const deaf = `${handle.workflowId}/0`;
      expect(await signalsReceived(deaf)).toEqual(['fanout.start', 'fanout.clean-up']);
      expect(await closedStatusOf(deaf)).toBe('CANCELLED');
    });
  });

  it('times out the whole fan-out at its deadline: running children time out, waiting ones are skipped', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('deadline'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        // Only children that never finish: what the deadline meets does not depend on the machine's speed.
        inputs: ['hang', 'hang', 'ok:3'],
        window: 2,
        deadline: '3s',
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({
        status: 'timed-out',
        reason: 'timed-out',
        done: 0,
        timedOut: 2,
        skipped: 1,
      });
      expect(summary.outcomes.map((o) => o.status)).toEqual(['timed-out', 'timed-out', 'skipped']);
    });
  });

  it('answers progress queries while it runs', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('progress'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['ok:1', 'hang', 'hang'],
        window: 2,
        childTimeout: '5s',
        cleanupGrace: '1s',
      });
      const progress = await eventually(
        () => getFanoutProgress(handle),
        (p) => p.started === 3,
      );
      expect(progress).toMatchObject({
        phase: 'running',
        total: 3,
        done: 1,
        running: 2,
        pending: 2,
        failed: 0,
      });
      const summary = await handle.result();
      expect(summary).toMatchObject({ done: 1, timedOut: 2 });
      expect(await getFanoutProgress(handle)).toMatchObject({ phase: 'finished', pending: 0, running: 0 });
    });
  });

  it('starts children on their own task queue, with their own ids and execution timeout', async () => {
    const children = await env.startWorker({ workflowsPath });
    try {
      await env.withWorker({ workflowsPath }, async (taskQueue) => {
        const prefix = `${env.taskQueue('photo-job')}-`;
        const handle = await startFanout(env.client, {
          workflowId: env.taskQueue('placement'),
          taskQueue,
          childWorkflowType: 'scriptedChild',
          inputs: ['ok:1', 'ok:2'],
          childTaskQueue: children.taskQueue,
          childIdPrefix: prefix,
          childExecutionTimeout: '1 minute',
        });
        const summary = await handle.result();
        expect(summary.outcomes.map((o) => o.childId)).toEqual([`${prefix}0`, `${prefix}1`]);
        const child = await env.client.workflow.getHandle(`${prefix}1`).describe();
        expect(child.taskQueue).toBe(children.taskQueue);
        expect(child.raw.executionConfig?.workflowExecutionTimeout?.seconds?.toString()).toBe('60');
        expect(child.parentExecution?.workflowId).toBe(handle.workflowId);
      });
    } finally {
      await children.stop();
    }
  });

  it('cleans up its children when the fan-out itself is cancelled', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('cancelled'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['hang', 'hang', 'ok:2'],
        window: 2,
      });
      await eventually(
        () => getFanoutProgress(handle),
        (p) => p.started === 2,
      );
      // Child 2 is started ahead of the window: cancel only once it exists.
      await eventually(
        () => statusOf(`${handle.workflowId}/2`).catch(() => 'NOT_STARTED'),
        (status) => status === 'RUNNING',
      );
      await handle.cancel();
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      for (const index of [0, 1]) {
        const childId = `${handle.workflowId}/${index}`;
        expect(await signalsReceived(childId)).toEqual(['fanout.start', 'fanout.clean-up']);
        expect(await closedStatusOf(childId)).toBe('COMPLETED');
      }
      expect(await signalsReceived(`${handle.workflowId}/2`)).toEqual(['fanout.clean-up']);
    });
  });
});

describe('fanoutWorkflow with bad input', () => {
  it('rejects invalid options with a typed error before starting anything', async () => {
    const base = { workflowId: 'never-started', taskQueue: 'none', childWorkflowType: 'scriptedChild' };
    const cases = [
      [{ ...base, inputs: ['a'], window: 0 }, 'window'],
      [{ ...base, inputs: ['a', 'b'], policy: { quorum: 3 } }, 'policy.quorum'],
      [{ ...base, inputs: ['a', ''] }, 'inputs[1]'],
      [{ ...base, inputs: ['a'], childTimeout: 'soon' }, 'childTimeout'],
      [{ ...base, inputs: ['a'], window: 1000, startAhead: 1000 }, 'window'],
      [{ ...base, childWorkflowType: '', inputs: ['a'] }, 'childWorkflowType'],
    ] as const;
    for (const [options, field] of cases) {
      const error = await startFanout(env.client, options).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(InvalidFanoutInputError);
      expect((error as InvalidFanoutInputError).field).toBe(field);
    }
  });

  it('fails a fan-out started with invalid options with InvalidFanoutInputError', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const failure = await env.client.workflow
        .execute(fanoutWorkflow, {
          taskQueue,
          workflowId: env.taskQueue('invalid'),
          args: [{ childWorkflowType: 'scriptedChild', inputs: ['a'], policy: 'first-wins' as 'fail-fast' }],
        })
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('InvalidFanoutInputError');
    });
  });

  it('logs and ignores malformed reports and reports from unknown children, and keeps running', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('bad-reports'),
        taskQueue,
        childWorkflowType: 'duplicateReporterChild',
        inputs: ['gated', 'gated'],
        window: 1,
      });
      const parentWorkflowId = handle.workflowId;
      const fanoutId = handle.firstExecutionRunId;
      const report = { fanoutId, parentWorkflowId, status: 'done' as const };
      await handle.signal('fanout.child-report', { nonsense: true });
      await sendFanoutReport(env.client, {
        ...report,
        fanoutId: 'another-fanout',
        index: 0,
        childId: `${parentWorkflowId}/0`,
      });
      await sendFanoutReport(env.client, { ...report, index: 7, childId: `${parentWorkflowId}/7` });
      await sendFanoutReport(env.client, { ...report, index: 0, childId: 'somebody-else' });
      await sendFanoutReport(env.client, { ...report, index: 1, childId: `${parentWorkflowId}/1` });
      const bogus = { ...report, index: 0, childId: `${parentWorkflowId}/0`, status: 'finished' };
      await expect(sendFanoutReport(env.client, bogus as never)).rejects.toBeInstanceOf(
        InvalidSignalPayloadError,
      );

      const progress = await eventually(
        () => getFanoutProgress(handle),
        (p) => p.rejectedReports === 5 && p.started === 1,
      );
      expect(progress).toMatchObject({ phase: 'running', done: 0, started: 1, pending: 2 });
      expect(env.logsMatching(`Fan-out ${parentWorkflowId} ignored a report`)).toHaveLength(4);
      expect(env.logsMatching('never released')).toHaveLength(1);
      expect(
        env.logsMatching('Rejected malformed payload on signal "fanout.child-report"').length,
      ).toBeGreaterThan(0);

      await env.client.workflow.getHandle(`${parentWorkflowId}/0`).signal(proceedSignal);
      await eventually(
        () => getFanoutProgress(handle),
        (p) => p.started === 2,
      );
      await env.client.workflow.getHandle(`${parentWorkflowId}/1`).signal(proceedSignal);
      expect(await handle.result()).toMatchObject({ status: 'completed', done: 2, rejectedReports: 5 });
    });
  });
});
