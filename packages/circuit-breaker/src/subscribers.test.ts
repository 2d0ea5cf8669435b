import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { circuitBreakerWorkflowId, forceClose, forceOpen } from './client.js';
import { statusesUntil, withBreakerTest } from './__tests__/test-helpers.js';
import {
  continuingSubscriberWorkflow,
  dependentStatusQuery,
  dependentWorkflow,
  idleSubscriberWorkflow,
} from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('subscribers', () => {
  it('prunes a subscriber that has closed without failing the breaker, and still notifies the others', () =>
    withBreakerTest(env, 'billing', async ({ dependency, startBreaker, start, inspectUntil }) => {
      await startBreaker();
      const shortLived = await start(idleSubscriberWorkflow, 'short', dependency, 10);
      const longLived = await start(idleSubscriberWorkflow, 'long', dependency, 30_000);
      await shortLived.result();
      await inspectUntil('two subscribers', (i) => i.subscribers.length === 2);

      await forceOpen(env.client, dependency);
      const inspection = await inspectUntil(
        'the closed subscriber pruned',
        (i) => i.totals.pruned === 1 && i.pendingNotices === 0,
      );
      expect(inspection.subscribers).toEqual([longLived.workflowId]);
      expect(inspection.state).toBe('open');
      await statusesUntil([longLived], 'the live subscriber paused', (s) => s.paused);
      expect(env.logsMatching(`pruned subscriber ${shortLived.workflowId}`)).toHaveLength(1);

      // The breaker keeps running and keeps working.
      const description = await env.client.workflow
        .getHandle(circuitBreakerWorkflowId(dependency))
        .describe();
      expect(description.status.name).toBe('RUNNING');
      await forceClose(env.client, dependency);
      await statusesUntil([longLived], 'the live subscriber resumed', (s) => !s.paused);
    }));

  it('stops notifying a dependent that unsubscribed', () =>
    withBreakerTest(env, 'search', async ({ dependency, fake, start, inspect, inspectUntil }) => {
      fake.state.healthy = true;
      const dependent = await start(dependentWorkflow, 'dependent', {
        dependency,
        caller: 'd',
        jobs: 1,
        subscribe: true,
        unsubscribeAtEnd: true,
        lingerMs: 30_000,
      });
      await statusesUntil([dependent], 'subscribed and done', (s) => s.done === 1 && !s.subscribed);
      await inspectUntil('unsubscribed at the breaker', (i) => i.subscribers.length === 0);
      await forceOpen(env.client, dependency);
      await inspectUntil('open', (i) => i.state === 'open');
      const status = await dependent.query(dependentStatusQuery);
      expect(status.notices).toEqual({ pauses: 0, resumes: 0 });
      expect((await inspect()).totals.pruned).toBe(0);
    }));

  it('reaches a subscriber after it continued as new and subscribed again', () =>
    withBreakerTest(env, 'stock', async ({ dependency, startBreaker, start, inspect, inspectUntil }) => {
      await startBreaker();
      const subscriber = await start(continuingSubscriberWorkflow, 'continuing', dependency, 30_000);
      await inspectUntil('subscribed', (i) => i.subscribers.length === 1);
      await forceOpen(env.client, dependency);
      // The new run starts with no view of the breaker; subscribing again fetches the state.
      await statusesUntil(
        [subscriber],
        'the second run sees the breaker open',
        (s) => s.done === 2 && s.subscribed && s.paused,
      );
      await forceClose(env.client, dependency);
      await statusesUntil(
        [subscriber],
        'the second run resumed',
        (s) => s.done === 2 && !s.paused && s.notices.resumes === 1,
      );
      const inspection = await inspect();
      expect(inspection.subscribers).toEqual([subscriber.workflowId]);
      expect(inspection.totals.pruned).toBe(0);
    }));
});
