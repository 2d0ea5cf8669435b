import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { forceClose, forceOpen, releaseForcedOpen, reportOutcome } from './client.js';
import { statusesUntil, withBreakerTest } from './__tests__/test-helpers.js';
import { idleSubscriberWorkflow, peekWorkflow } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('operators', () => {
  it('force open pauses subscribers and holds past the cooldown; force close resumes them', () =>
    withBreakerTest(env, 'ledger', async ({ dependency, startBreaker, start, inspect, inspectUntil }) => {
      await startBreaker({ cooldown: '200ms' });
      const subscribers = await Promise.all(
        [0, 1].map((i) => start(idleSubscriberWorkflow, `subscriber-${i}`, dependency, 30_000)),
      );
      await inspectUntil('two subscribers', (i) => i.subscribers.length === 2);

      await forceOpen(env.client, dependency, { reason: 'maintenance', sender: 'alice' });
      await statusesUntil(subscribers, 'subscribers paused', (s) => s.paused);
      const opened = await inspect();
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
      expect((await inspect()).state).toBe('open');
      const peek = await start(peekWorkflow, 'peek', dependency);
      expect(await peek.result()).toBe('open');

      await forceClose(env.client, dependency, { reason: 'fixed' });
      await statusesUntil(
        subscribers,
        'subscribers resumed',
        (s) => !s.paused && s.notices.resumes === 1 && s.notices.pauses === 1,
      );
      const closed = await inspect();
      expect(closed.state).toBe('closed');
      expect(closed.forced).toBeUndefined();
      expect(closed.transitions.at(-1)).toMatchObject({
        from: 'open',
        to: 'closed',
        reason: 'forced closed by operator (fixed)',
      });
    }));

  it('releasing a forced open starts a normal cooldown that ends in half-open', () =>
    withBreakerTest(env, 'mailer', async ({ dependency, startBreaker, inspectUntil }) => {
      await startBreaker({ cooldown: '300ms' });
      await forceOpen(env.client, dependency);
      await inspectUntil('forced open', (i) => i.forced === 'open');
      await releaseForcedOpen(env.client, dependency);
      const halfOpen = await inspectUntil('half-open after release', (i) => i.state === 'half-open');
      expect(halfOpen.forced).toBeUndefined();
      expect(halfOpen.transitions.map((t) => t.to)).toEqual(['open', 'half-open']);
      expect(halfOpen.transitions[1]!.reason).toBe('cooldown elapsed');
    }));

  it('opens on the failure ratio over the sliding window and shows the counts', () =>
    withBreakerTest(env, 'geo', async ({ dependency, taskQueue, inspectUntil }) => {
      const ref = {
        dependency,
        taskQueue,
        options: { failureThreshold: 10, failureRatio: 0.5, windowSize: 4, minimumCalls: 4 },
      };
      for (const outcome of ['success', 'failure', 'success'] as const) {
        await reportOutcome(env.client, ref, { outcome, detail: 'timeout', sender: 'geo-client' });
      }
      const before = await inspectUntil('three outcomes counted', (i) => i.counts.windowSize === 3);
      expect(before).toMatchObject({
        state: 'closed',
        counts: { consecutiveFailures: 0, windowSize: 3, windowFailures: 1 },
        totals: { successes: 2, failures: 1 },
        lastFailure: 'geo-client: timeout',
      });
      await reportOutcome(env.client, ref, { outcome: 'failure' });
      const after = await inspectUntil('open', (i) => i.state === 'open');
      expect(after.transitions).toEqual([
        expect.objectContaining({ from: 'closed', to: 'open', reason: '2 of the last 4 calls failed' }),
      ]);
      expect(after.totals).toMatchObject({ successes: 2, failures: 2, opened: 1 });
    }));
});
