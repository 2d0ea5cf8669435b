import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { InvalidSignalPayloadError } from '@temporal-patterns/signal-utils';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { proceedSignal } from './__tests__/test-workflows.js';
import { progressWhen } from './__tests__/test-helpers.js';
import { InvalidFanoutInputError, fanoutWorkflow, sendFanoutReport, startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('fanoutWorkflow with bad input', () => {
  it('rejects invalid options with a typed error before starting anything', async () => {
    const base = { workflowId: 'never-started', taskQueue: 'none', childWorkflowType: 'scriptedChild' };
    const cases = [
      [{ ...base, inputs: ['a'], window: 0 }, 'window'],
      [{ ...base, inputs: ['a', 'b'], policy: { quorum: 3 } }, 'policy.quorum'],
      [{ ...base, inputs: ['a', ''] }, 'inputs[1]'],
      [{ ...base, inputs: ['a'], childTimeout: 'soon' }, 'childTimeout'],
      [{ ...base, inputs: ['a'], livenessCheckInterval: 0 }, 'livenessCheckInterval'],
      // More than one report signal can carry.
      [{ ...base, inputs: ['a'], maxResultRefBytes: 300_000 }, 'maxResultRefBytes'],
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

      const progress = await progressWhen(
        handle,
        (p) => p.rejectedReports === 5 && p.started === 1,
        'five reports rejected',
      );
      expect(progress).toMatchObject({ phase: 'running', done: 0, started: 1, pending: 2 });
      expect(env.logsMatching(`Fan-out ${parentWorkflowId} ignored a report`)).toHaveLength(4);
      expect(env.logsMatching('never released')).toHaveLength(1);
      expect(
        env.logsMatching('Rejected malformed payload on signal "fanout.child-report"').length,
      ).toBeGreaterThan(0);

      await env.client.workflow.getHandle(`${parentWorkflowId}/0`).signal(proceedSignal);
      await progressWhen(handle, (p) => p.started === 2, 'the second child released');
      await env.client.workflow.getHandle(`${parentWorkflowId}/1`).signal(proceedSignal);
      expect(await handle.result()).toMatchObject({ status: 'completed', done: 2, rejectedReports: 5 });
    });
  });
});
