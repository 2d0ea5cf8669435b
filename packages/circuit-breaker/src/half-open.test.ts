import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { reportOutcome } from './client.js';
import { circuitBreakerReportBatchSignal, circuitBreakerReportSignal } from './definitions.js';
import { withBreakerTest } from './__tests__/test-helpers.js';
import { dependentWorkflow } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('half-open probes', () => {
  it('re-opens with a fresh cooldown when the probe fails, and closes when a later probe succeeds', () =>
    withBreakerTest(
      env,
      'inventory',
      async ({ dependency, taskQueue, fake, start, inspect, inspectUntil }) => {
        const options = { failureThreshold: 2, cooldown: '2s', probeTimeout: '10s' };
        const ref = { dependency, taskQueue, options };
        await reportOutcome(env.client, ref, { outcome: 'failure', sender: 'test' });
        await reportOutcome(env.client, ref, { outcome: 'failure', sender: 'test' });
        expect((await inspect()).state).toBe('open');

        // A workflow that never subscribed: its guard asks the breaker and probes once the cooldown ends.
        const dependent = await start(dependentWorkflow, 'dependent', {
          dependency,
          caller: 'd',
          jobs: 1,
          subscribe: false,
        });

        const reopened = await inspectUntil(
          'the failed probe to re-open the breaker',
          (i) => i.transitions.length >= 3,
        );
        fake.state.healthy = true;
        const [opened, halfOpen, reopen] = reopened.transitions;
        expect([opened!.to, halfOpen!.to, reopen!.to]).toEqual(['open', 'half-open', 'open']);
        expect(reopen!.reason).toBe('a half-open probe failed');
        expect(halfOpen!.at - opened!.at).toBeGreaterThanOrEqual(2_000);
        // The new cooldown counts from the re-open, not from the first open.
        expect(reopened.since).toBe(reopen!.at);
        expect(reopened.state).toBe('open');
        expect(reopened.openUntil).toBe(reopen!.at + 2_000);

        const result = await dependent.result();
        expect(result).toMatchObject({ done: 1, probes: 2, failedCalls: 1 });
        expect(fake.state.calls.map((c) => [c.probe, c.breakerState, c.ok])).toEqual([
          [true, 'half-open', false],
          [true, 'half-open', true],
        ]);
        const after = await inspect();
        expect(after.state).toBe('closed');
        expect(after.transitions.map((t) => t.to)).toEqual([
          'open',
          'half-open',
          'open',
          'half-open',
          'closed',
        ]);
        expect(after.transitions[3]!.at - after.transitions[2]!.at).toBeGreaterThanOrEqual(2_000);
      },
    ));

  it('admits only halfOpenProbes callers at once; the others wait for the verdict', () =>
    withBreakerTest(env, 'search', async ({ dependency, taskQueue, fake, start, inspect }) => {
      fake.state.healthy = true;
      const options = { failureThreshold: 1, cooldown: '500ms', halfOpenProbes: 2, successThreshold: 2 };
      await reportOutcome(env.client, { dependency, taskQueue, options }, { outcome: 'failure' });
      const dependents = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          start(dependentWorkflow, `dependent-${i}`, {
            dependency,
            caller: `d${i}`,
            jobs: 1,
            subscribe: i % 2 === 0,
          }),
        ),
      );
      const results = await Promise.all(dependents.map((d) => d.result()));
      expect(results.every((r) => r.done === 1)).toBe(true);
      expect(results.reduce((sum, r) => sum + r.probes, 0)).toBe(2);
      const halfOpenCalls = fake.state.calls.filter((c) => c.breakerState === 'half-open');
      expect(halfOpenCalls.length).toBeLessThanOrEqual(2);
      expect(halfOpenCalls.every((c) => c.probe)).toBe(true);
      expect(fake.state.calls.filter((c) => c.breakerState === 'open')).toEqual([]);
      const after = await inspect();
      expect(after.transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
      expect(after.transitions[2]!.reason).toBe('2 half-open probe(s) succeeded');
    }));

  it('does not let a success report holding a permit it never issued close it; a real probe does', () =>
    withBreakerTest(
      env,
      'ledger',
      async ({ dependency, fake, startBreaker, start, inspect, inspectUntil }) => {
        const options = { failureThreshold: 2, cooldown: '1s', successThreshold: 1, probeTimeout: '30s' };
        const handle = await startBreaker(options);
        await reportOutcome(env.client, { dependency }, { outcome: 'failure', sender: 'test' });
        await reportOutcome(env.client, { dependency }, { outcome: 'failure', sender: 'test' });
        const halfOpen = await inspectUntil('the cooldown to end', (i) => i.state === 'half-open');

        await handle.signal(circuitBreakerReportSignal.definition, {
          outcome: 'success',
          reportId: `${dependency}-forged-1`,
          permitId: 'forged-permit-1',
        });
        await handle.signal(circuitBreakerReportBatchSignal.definition, {
          batchId: `${dependency}-forged-2`,
          runs: [{ outcome: 'success', count: 1, permitId: 'forged-permit-2' }],
        });
        const { totals } = halfOpen;
        const after = await inspectUntil(
          'both forged reports taken',
          (i) => i.totals.successes + i.totals.ignoredReports >= totals.successes + totals.ignoredReports + 2,
        );
        expect(after.state).toBe('half-open');
        expect(after.totals.successes).toBe(totals.successes);
        expect(after.transitions.map((t) => t.to)).toEqual(['open', 'half-open']);
        for (const permit of ['forged-permit-1', 'forged-permit-2'])
          expect(env.logsMatching(`ignored permit ${permit} of a report`)).toHaveLength(1);

        // The probe permit the breaker hands out is what closes it.
        fake.state.healthy = true;
        const dependent = await start(dependentWorkflow, 'dependent', {
          dependency,
          caller: 'd',
          jobs: 1,
          subscribe: false,
        });
        expect(await dependent.result()).toMatchObject({ done: 1, probes: 1 });
        const closed = await inspect();
        expect(closed.state).toBe('closed');
        expect(closed.transitions.at(-1)!.reason).toBe('1 half-open probe(s) succeeded');
      },
    ));
});
