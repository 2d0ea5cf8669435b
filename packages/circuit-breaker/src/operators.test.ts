import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  createCircuitBreakerActivities,
  forceClose,
  forceOpen,
  inspectCircuitBreaker,
  releaseForcedOpen,
  reportOutcome,
  startCircuitBreaker,
} from './client.js';
import { eventually } from './test-helpers.js';
import { dependentStatusQuery, idleSubscriberWorkflow, peekWorkflow } from './test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();
const activities = () => createCircuitBreakerActivities(env.client);

describe('operators', () => {
  it('force open pauses subscribers and holds past the cooldown; force close resumes them', async () => {
    const dependency = env.taskQueue('ledger');
    await env.withWorker({ workflowsPath, activities: activities() }, async (taskQueue) => {
      await startCircuitBreaker(env.client, { dependency, taskQueue, options: { cooldown: '200ms' } });
      const subscribers = await Promise.all(
        [0, 1].map((i) =>
          env.client.workflow.start(idleSubscriberWorkflow, {
            taskQueue,
            workflowId: `${dependency}-subscriber-${i}`,
            args: [dependency, 30_000],
          }),
        ),
      );
      await eventually(
        'two subscribers',
        async () => (await inspectCircuitBreaker(env.client, dependency)).subscribers.length === 2,
      );

      await forceOpen(env.client, dependency, { reason: 'maintenance', sender: 'alice' });
      await eventually('subscribers paused', async () =>
        (await Promise.all(subscribers.map((s) => s.query(dependentStatusQuery)))).every((s) => s.paused),
      );
      const opened = await inspectCircuitBreaker(env.client, dependency);
      expect(opened).toMatchObject({ state: 'open', forced: 'open', pendingNotices: 0 });
      expect(opened.openUntil).toBeUndefined();
      expect(opened.transitions.at(-1)).toMatchObject({
        to: 'open',
        reason: 'forced open by alice (maintenance)',
      });
      expect(opened.since).toBe(opened.transitions.at(-1)!.at);
      expect(opened.subscribers.sort()).toEqual(subscribers.map((s) => s.workflowId).sort());

      // Several cooldowns later it is still held open, and a workflow that never subscribed sees it.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await inspectCircuitBreaker(env.client, dependency)).state).toBe('open');
      const peeked = await env.client.workflow.execute(peekWorkflow, {
        taskQueue,
        workflowId: `${dependency}-peek`,
        args: [dependency],
      });
      expect(peeked).toBe('open');

      await forceClose(env.client, dependency, { reason: 'fixed' });
      await eventually('subscribers resumed', async () =>
        (await Promise.all(subscribers.map((s) => s.query(dependentStatusQuery)))).every(
          (s) => !s.paused && s.notices.resumes === 1 && s.notices.pauses === 1,
        ),
      );
      const closed = await inspectCircuitBreaker(env.client, dependency);
      expect(closed.state).toBe('closed');
      expect(closed.forced).toBeUndefined();
      expect(closed.transitions.at(-1)).toMatchObject({
        from: 'open',
        to: 'closed',
        reason: 'forced closed by operator (fixed)',
      });
    });
  });

  it('releasing a forced open starts a normal cooldown that ends in half-open', async () => {
    const dependency = env.taskQueue('mailer');
    await env.withWorker({ workflowsPath, activities: activities() }, async (taskQueue) => {
      await startCircuitBreaker(env.client, { dependency, taskQueue, options: { cooldown: '300ms' } });
      await forceOpen(env.client, dependency);
      await eventually(
        'forced open',
        async () => (await inspectCircuitBreaker(env.client, dependency)).forced,
      );
      await releaseForcedOpen(env.client, dependency);
      const halfOpen = await eventually('half-open after release', async () => {
        const inspection = await inspectCircuitBreaker(env.client, dependency);
        return inspection.state === 'half-open' ? inspection : undefined;
      });
      expect(halfOpen.forced).toBeUndefined();
      expect(halfOpen.transitions.map((t) => t.to)).toEqual(['open', 'half-open']);
      expect(halfOpen.transitions[1]!.reason).toBe('cooldown elapsed');
    });
  });

  it('opens on the failure ratio over the sliding window and shows the counts', async () => {
    const dependency = env.taskQueue('geo');
    await env.withWorker({ workflowsPath, activities: activities() }, async (taskQueue) => {
      const ref = {
        dependency,
        taskQueue,
        options: { failureThreshold: 10, failureRatio: 0.5, windowSize: 4, minimumCalls: 4 },
      };
      for (const outcome of ['success', 'failure', 'success'] as const) {
        await reportOutcome(env.client, ref, { outcome, detail: 'timeout', sender: 'geo-client' });
      }
      const before = await eventually('three outcomes counted', async () => {
        const inspection = await inspectCircuitBreaker(env.client, dependency);
        return inspection.counts.windowSize === 3 ? inspection : undefined;
      });
      expect(before).toMatchObject({
        state: 'closed',
        counts: { consecutiveFailures: 0, windowSize: 3, windowFailures: 1 },
        totals: { successes: 2, failures: 1 },
        lastFailure: 'geo-client: timeout',
      });
      await reportOutcome(env.client, ref, { outcome: 'failure' });
      const after = await eventually('open', async () => {
        const inspection = await inspectCircuitBreaker(env.client, dependency);
        return inspection.state === 'open' ? inspection : undefined;
      });
      expect(after.transitions).toEqual([
        expect.objectContaining({ from: 'closed', to: 'open', reason: '2 of the last 4 calls failed' }),
      ]);
      expect(after.totals).toMatchObject({ successes: 2, failures: 2, opened: 1 });
    });
  });
});
