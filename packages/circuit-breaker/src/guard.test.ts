import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { forceOpen } from './client.js';
import { withBreakerTest } from './__tests__/test-helpers.js';
import { dependentWorkflow, peekWorkflow } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('breakerGuard and call()', () => {
  it('gives up with CircuitOpenError after maxWait while the breaker stays open', () =>
    withBreakerTest(env, 'fx', async ({ dependency, fake, startBreaker, start }) => {
      fake.state.healthy = true;
      await startBreaker();
      await forceOpen(env.client, dependency);
      const results = await Promise.all(
        [false, true].map(async (subscribe) => {
          const input = { dependency, caller: 'd', jobs: 1, subscribe, guard: { maxWait: '600ms' } };
          const name = subscribe ? 'subscribed' : 'unsubscribed';
          return (await start(dependentWorkflow, name, input)).result();
        }),
      );
      expect(results).toHaveLength(2);
      for (const result of results) {
        expect(result.done).toBe(0);
        expect(result.error?.name).toBe('CircuitOpenError');
        expect(result.error?.message).toMatch(/is open; gave up after waiting \d+ ms/);
      }
      expect(fake.state.calls).toEqual([]);
    }));

  it("with onTimeout: 'proceed' makes the call anyway after maxWait", () =>
    withBreakerTest(env, 'fx', async ({ dependency, fake, startBreaker, start }) => {
      fake.state.healthy = true;
      await startBreaker();
      await forceOpen(env.client, dependency);
      const dependent = await start(dependentWorkflow, 'proceeds', {
        dependency,
        caller: 'd',
        jobs: 1,
        subscribe: false,
        guard: { maxWait: 300, onTimeout: 'proceed' },
      });
      expect(await dependent.result()).toMatchObject({ done: 1, probes: 0 });
      expect(fake.state.calls).toEqual([expect.objectContaining({ caller: 'd', breakerState: 'open' })]);
    }));

  it('lets calls through when no breaker runs, and call() creates the breaker on demand by reporting', () =>
    withBreakerTest(
      env,
      'tax',
      async ({ dependency, fake, start, inspectUntil }) => {
        fake.state.healthy = true;
        const peek = await start(peekWorkflow, 'peek', dependency);
        expect(await peek.result()).toBe('closed');
        // The activity does not report here: the workflow's call() does, starting the breaker.
        const caller = await start(dependentWorkflow, 'caller', {
          dependency,
          caller: 'd',
          jobs: 2,
          subscribe: false,
          reportFromWorkflow: true,
        });
        expect((await caller.result()).done).toBe(2);
        const inspection = await inspectUntil('both reports counted', (i) => i.totals.successes === 2);
        expect(inspection.state).toBe('closed');
        expect(inspection.totals.failures).toBe(0);
      },
      { reporting: false },
    ));
});
