import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidCircuitBreakerOptionsError, reportOutcome, startCircuitBreaker } from './client.js';
import { circuitBreakerReportBatchSignal, circuitBreakerReportSignal } from './definitions.js';
import { breakerHistory, permitAnswers, withBreakerTest } from './__tests__/test-helpers.js';
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

  it('has at most halfOpenProbes probe calls in flight; a reported probe frees its permit for the next caller', () =>
    withBreakerTest(env, 'search', async ({ dependency, taskQueue, fake, start, inspect, inspectUntil }) => {
      fake.state.healthy = true;
      fake.state.hold = true;
      // Three successes with two permits: a freed permit is granted again while the other probe is in
      // flight. Permits never expire here, so only reports free them.
      const options = {
        failureThreshold: 1,
        cooldown: '500ms',
        halfOpenProbes: 2,
        successThreshold: 3,
        probeTimeout: '1 hour',
      };
      await reportOutcome(env.client, { dependency, taskQueue, options }, { outcome: 'failure' });
      const dependent = (name: string, subscribe: boolean) =>
        start(dependentWorkflow, name, {
          dependency,
          caller: name,
          jobs: 1,
          subscribe,
          callTimeout: '1 hour',
        });

      // The only two askers take both permits when the cooldown ends; their calls are held in flight.
      const probers = await Promise.all([dependent('p0', false), dependent('p1', true)]);
      await pollUntil(() => fake.heldCallers().length === 2, { what: 'two probe calls in flight' });
      // More callers ask while both permits are out: each is told to wait.
      const waiters = await Promise.all(['w0', 'w1', 'w2'].map((name) => dependent(name, true)));
      await pollUntil(
        async () => {
          const refused = permitAnswers(await breakerHistory(env.client, dependency)).filter(
            (a) => a.decision === 'wait' && a.state === 'half-open' && a.retryAfterMs > 0,
          );
          return waiters.every((w) => refused.some((a) => a.to === w.workflowId));
        },
        { what: 'every waiter refused a probe' },
      );
      expect(fake.state.calls).toHaveLength(2);
      expect((await inspect()).probesInFlight).toBe(2);

      // p0 succeeds: its permit is free, and the next caller to ask (a newcomer, or a waiter) probes.
      fake.release('p0');
      await inspectUntil('the first probe counted', (i) => i.counts.halfOpenSuccesses === 1);
      const late = await dependent('p2', true);
      await pollUntil(() => fake.heldCallers().length === 2, { what: 'a third probe call in flight' });
      expect(fake.state.calls).toHaveLength(3);
      fake.release();

      const results = await Promise.all([...probers, ...waiters, late].map((d) => d.result()));
      expect(results.every((r) => r.done === 1 && r.failedCalls === 0)).toBe(true);
      const calls = fake.state.calls;
      expect(calls).toHaveLength(6);
      // The guarantee: never more than halfOpenProbes probe calls at the dependency at once.
      expect(Math.max(...calls.map((c) => c.probesInFlight))).toBe(2);
      const probeCalls = calls.filter((c) => c.probe);
      expect(probeCalls.length).toBeGreaterThanOrEqual(3);
      // One call per probe permit: no refused probe call went back for the same permit.
      expect(results.reduce((sum, r) => sum + r.probes, 0)).toBe(probeCalls.length);
      expect(calls.filter((c) => c.breakerState === 'half-open').every((c) => c.probe)).toBe(true);
      expect(calls.filter((c) => c.breakerState === 'open')).toEqual([]);
      const after = await inspect();
      expect(after.transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
      expect(after.transitions[2]!.reason).toBe('3 half-open probe(s) succeeded');
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

describe('probe permits at their cap', () => {
  /** Asks for a probe permit as `holder`, a workflow that does not exist: the answer goes nowhere. */
  const askForPermit = (handle: { signal: (name: string, arg: unknown) => Promise<void> }, holder: string) =>
    handle.signal('circuit-breaker.permit.request', {
      correlationId: randomUUID(),
      sender: holder,
      payload: {},
    });

  it('holds at most halfOpenProbes permits, at its maximum of 100; others wait until a probe reports', () =>
    withBreakerTest(
      env,
      'catalog',
      async ({ dependency, taskQueue, fake, startBreaker, start, inspect, inspectUntil }) => {
        await expect(
          startCircuitBreaker(env.client, { dependency, taskQueue, options: { halfOpenProbes: 101 } }),
        ).rejects.toBeInstanceOf(InvalidCircuitBreakerOptionsError);
        const handle = await startBreaker({
          failureThreshold: 1,
          cooldown: '500ms',
          halfOpenProbes: 100,
          successThreshold: 2,
          probeTimeout: '1 hour',
        });
        await reportOutcome(env.client, { dependency }, { outcome: 'failure' });
        await inspectUntil('the cooldown to end', (i) => i.state === 'half-open');

        const holders = Array.from({ length: 120 }, (_, i) => `${dependency}-holder-${i}`);
        for (let i = 0; i < holders.length; i += 40)
          await Promise.all(holders.slice(i, i + 40).map((holder) => askForPermit(handle, holder)));
        const answers = await pollUntil(
          async () => {
            const all = permitAnswers(await breakerHistory(env.client, dependency));
            const toHolders = all.filter((a) => holders.includes(a.to));
            return toHolders.length === holders.length && toHolders;
          },
          { what: 'every holder answered', timeoutMs: 60_000 },
        );
        expect(answers.filter((a) => a.decision === 'probe')).toHaveLength(100);
        expect(answers.filter((a) => a.decision === 'wait')).toHaveLength(20);
        expect((await inspect()).probesInFlight).toBe(100);

        // A guard that asks now waits; with maxWait it gives up, typed, and never reaches the dependency.
        fake.state.healthy = true;
        const input = { dependency, caller: 'late', jobs: 1, subscribe: false };
        const gaveUp = await start(dependentWorkflow, 'gave-up', { ...input, guard: { maxWait: '1s' } });
        expect(await gaveUp.result()).toMatchObject({
          done: 0,
          probes: 0,
          error: { name: 'CircuitOpenError' },
        });
        expect(fake.state.calls).toEqual([]);

        // A holder's probe reports success: its permit is free and the next guard takes it.
        const first = answers.find((a) => a.decision === 'probe')!;
        await reportOutcome(
          env.client,
          { dependency },
          { outcome: 'success', permitId: first.permitId, sender: first.to },
        );
        await inspectUntil(
          'the probe counted',
          (i) => i.counts.halfOpenSuccesses === 1 && i.probesInFlight === 99,
        );
        const next = await start(dependentWorkflow, 'next', input);
        expect(await next.result()).toMatchObject({ done: 1, probes: 1 });
        expect(fake.state.calls.map((c) => [c.caller, c.probe, c.breakerState])).toEqual([
          ['late', true, 'half-open'],
        ]);
        const closed = await inspect();
        expect(closed.state).toBe('closed');
        expect(closed.probesInFlight).toBe(0);
        expect(closed.transitions.at(-1)!.reason).toBe('2 half-open probe(s) succeeded');
      },
    ));

  it('lets the next guard probe once an unreported permit expires after probeTimeout', () =>
    withBreakerTest(
      env,
      'pricing',
      async ({ dependency, fake, startBreaker, start, inspect, inspectUntil }) => {
        const probeTimeoutMs = 3_000;
        const handle = await startBreaker({
          failureThreshold: 1,
          cooldown: '500ms',
          probeTimeout: probeTimeoutMs,
        });
        await reportOutcome(env.client, { dependency }, { outcome: 'failure' });
        await inspectUntil('the cooldown to end', (i) => i.state === 'half-open');
        const holder = `${dependency}-silent-holder`;
        await askForPermit(handle, holder);
        await inspectUntil('the only permit held', (i) => i.probesInFlight === 1);

        fake.state.healthy = true;
        const next = await start(dependentWorkflow, 'next', {
          dependency,
          caller: 'next',
          jobs: 1,
          subscribe: false,
        });
        expect(await next.result()).toMatchObject({ done: 1, probes: 1 });
        const answers = permitAnswers(await breakerHistory(env.client, dependency));
        const held = answers.find((a) => a.to === holder && a.decision === 'probe')!;
        const taken = answers.find((a) => a.to === next.workflowId && a.decision === 'probe')!;
        // In the breaker's own time: the permit was free for another caller only once it had expired.
        expect(taken.decidedAt - held.decidedAt).toBeGreaterThanOrEqual(probeTimeoutMs);
        expect(fake.state.calls.map((c) => [c.caller, c.probe, c.breakerState])).toEqual([
          ['next', true, 'half-open'],
        ]);
        expect((await inspect()).state).toBe('closed');
      },
    ));
});
