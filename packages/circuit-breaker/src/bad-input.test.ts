import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  circuitBreakerWorkflow,
  circuitBreakerWorkflowId,
  forceClose,
  InvalidCircuitBreakerOptionsError,
  reportOutcome,
  startCircuitBreaker,
  withCircuitBreaker,
} from './client.js';
import { statusesUntil, withBreakerTest } from './__tests__/test-helpers.js';
import { idleSubscriberWorkflow } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('bad input', () => {
  it('logs and drops malformed signals; the breaker keeps running and counting', () =>
    withBreakerTest(env, 'crm', async ({ dependency, startBreaker, inspectUntil }) => {
      const handle = await startBreaker({ failureThreshold: 2 });
      await handle.signal('circuit-breaker.report', { outcome: 'maybe', sender: 'rogue-client' });
      await handle.signal('circuit-breaker.report', 'failure');
      await handle.signal('circuit-breaker.subscribe', { workflowId: 42 });
      await handle.signal('circuit-breaker.force', { mode: 'sideways' });
      await handle.signal('circuit-breaker.permit.request', { correlationId: 'c1', payload: {} });
      await handle.signal('circuit-breaker.report', { outcome: 'failure', startedAt: 'yesterday' });
      await reportOutcome(env.client, { dependency }, { outcome: 'failure', sender: 'good-client' });

      const inspection = await inspectUntil('the valid report counted', (i) => i.totals.failures === 1);
      expect(inspection).toMatchObject({
        state: 'closed',
        subscribers: [],
        counts: { consecutiveFailures: 1 },
      });
      const rejected = env.logsMatching('Rejected malformed payload on signal "circuit-breaker.');
      expect(rejected.map((e) => e.message)).toEqual([
        expect.stringContaining(
          '"circuit-breaker.report" from rogue-client: outcome must be "success" or "failure"',
        ),
        expect.stringContaining('"circuit-breaker.report" from unknown sender: expected an object'),
        expect.stringContaining(
          '"circuit-breaker.subscribe" from unknown sender: workflowId must be a non-empty string',
        ),
        expect.stringContaining('"circuit-breaker.force" from unknown sender: mode must be'),
        expect.stringContaining(
          '"circuit-breaker.permit.request" from unknown sender: sender must be a non-empty string',
        ),
        expect.stringContaining('"circuit-breaker.report" from unknown sender: startedAt must be a number'),
      ]);
      const description = await env.client.workflow
        .getHandle(circuitBreakerWorkflowId(dependency))
        .describe();
      expect(description.status.name).toBe('RUNNING');
      await forceClose(env.client, dependency);
    }));

  it('refuses subscribers beyond maxSubscribers with a log line and keeps the ones it has', () =>
    withBreakerTest(env, 'crm', async ({ dependency, startBreaker, start, inspect }) => {
      const handle = await startBreaker({ maxSubscribers: 2 });
      for (const workflowId of ['a', 'b', 'c', 'a']) {
        await handle.signal('circuit-breaker.subscribe', { workflowId: `${dependency}-${workflowId}` });
      }
      await pollUntil(
        () => env.logsMatching(`refused subscriber ${dependency}-c: maxSubscribers reached`).length === 1,
        { what: 'the refusal logged' },
      );
      const inspection = await inspect();
      expect(inspection.subscribers).toEqual([`${dependency}-a`, `${dependency}-b`]);

      // A refused workflow learns it from the state it fetches, and falls back to asking per call.
      const refused = await start(idleSubscriberWorkflow, 'refused', dependency, 30_000);
      await statusesUntil(
        [refused],
        'the refused subscriber to know',
        (s) => env.logsMatching('refused the subscription').length === 1 && !s.subscribed,
      );
    }));

  it('refuses bad options with InvalidCircuitBreakerOptionsError before starting anything', async () => {
    const dependency = env.taskQueue('crm');
    const bad = { failureRatio: 2, cooldown: 'soon', windowSize: 5, minimumCalls: 9 };
    const error = await startCircuitBreaker(env.client, {
      dependency,
      taskQueue: 'unused',
      options: bad,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidCircuitBreakerOptionsError);
    expect((error as InvalidCircuitBreakerOptionsError).problems).toEqual([
      'cooldown: Invalid duration: "soon"',
      'failureRatio must be in (0, 1]',
      'minimumCalls must be an integer in [1, windowSize]',
    ]);
    await expect(
      reportOutcome(env.client, { dependency, taskQueue: 'unused', options: bad }, { outcome: 'failure' }),
    ).rejects.toBeInstanceOf(InvalidCircuitBreakerOptionsError);
    await expect(
      env.client.workflow.getHandle(circuitBreakerWorkflowId(dependency)).describe(),
    ).rejects.toThrow();
  });

  it('fails a breaker started directly with bad options with a typed, non-retryable error', () =>
    withBreakerTest(env, 'crm', async ({ dependency, taskQueue }) => {
      const error = await env.client.workflow
        .execute(circuitBreakerWorkflow, {
          taskQueue,
          workflowId: circuitBreakerWorkflowId(dependency),
          args: [{ dependency, options: { halfOpenProbes: 0 } }],
        })
        .catch((e) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('InvalidCircuitBreakerOptionsError');
    }));

  it('never fails the wrapped activity when its report cannot be sent', async () => {
    const wrapped = withCircuitBreaker(
      env.client,
      { dependency: env.taskQueue('x') },
      async (n: number) => n * 2,
    );
    // Outside an activity and without a task queue the breaker cannot be started: the report is dropped.
    await expect(wrapped(21)).resolves.toBe(42);
  });
});
