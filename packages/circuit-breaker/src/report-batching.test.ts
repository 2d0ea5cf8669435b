import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it, vi } from 'vitest';
import {
  CIRCUIT_BREAKER_REFUSED,
  CircuitBreakerRefusedError,
  flushCircuitBreakerReports,
  withCircuitBreaker,
} from './client.js';
import { CIRCUIT_BREAKER_LIMITS, type OutcomeBatch } from './definitions.js';
import { MAX_PENDING_RUNS } from './outcome-reporter.js';
import { breakerHistory, reportSignalCount, withBreakerTest } from './__tests__/test-helpers.js';

const env = useTemporalTestEnv();

describe('withCircuitBreaker reports in batches', () => {
  it('sends 5,000 outcomes of one process in one signal per flush interval, and the breaker counts them all', () =>
    withBreakerTest(env, 'rates', async ({ dependency, taskQueue, startBreaker, inspectUntil }) => {
      const flushMs = 200;
      const calls = 5_000;
      await startBreaker();
      const wrapped = withCircuitBreaker(env.client, { dependency, taskQueue }, async (n: number) => n, {
        flushInterval: flushMs,
      });
      const started = Date.now();
      for (let round = 0; round < 5; round += 1)
        await Promise.all(Array.from({ length: calls / 5 }, (_, i) => wrapped(i)));
      await flushCircuitBreakerReports();
      const elapsed = Date.now() - started;

      await inspectUntil('every outcome counted', (i) => i.totals.successes === calls);
      // Batches start at least flushMs apart, plus the final explicit flush.
      const signals = reportSignalCount(await breakerHistory(env.client, dependency));
      expect(signals).toBeGreaterThanOrEqual(1);
      expect(signals).toBeLessThanOrEqual(Math.ceil(elapsed / flushMs) + 2);
    }));

  it('sends the first failure after a quiet spell at once, and refuses the next call once it opened', () =>
    withBreakerTest(env, 'fraud', async ({ dependency, taskQueue, startBreaker, inspectUntil }) => {
      await startBreaker({ failureThreshold: 1, cooldown: '1 hour' });
      let reached = 0;
      const wrapped = withCircuitBreaker(
        env.client,
        { dependency, taskQueue },
        async (ok: boolean) => {
          reached += 1;
          if (!ok) throw new Error('fraud: 503');
          return 'ok';
        },
        // Successes alone would wait an hour for company: only the failure's own flush can open it.
        { flushInterval: '1 hour' },
      );
      await expect(wrapped(true)).resolves.toBe('ok');
      await expect(wrapped(false)).rejects.toThrow('fraud: 503');
      const opened = await inspectUntil('the failure to open the breaker', (i) => i.state === 'open');
      expect(opened.totals).toMatchObject({ successes: 1, failures: 1 });
      expect(opened.lastFailure).toBe('unknown sender: fraud: 503');

      // The delivered failure made this process ask again: the next call does not reach the dependency.
      const refusal = await wrapped(true).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(CircuitBreakerRefusedError);
      expect(refusal).toMatchObject({ type: CIRCUIT_BREAKER_REFUSED, nonRetryable: true, state: 'open' });
      expect(reached).toBe(2);
    }));

  it('holds at most 10,000 unsent runs per process: the oldest are dropped and logged, the breaker counts the rest', () =>
    withBreakerTest(env, 'clicks', async ({ dependency, taskQueue, startBreaker, inspectUntil }) => {
      // Alternating outcomes never open it (failureRatio 1) and make every call a run of its own.
      await startBreaker({ failureThreshold: 100, failureRatio: 1 });
      const wrapped = withCircuitBreaker(env.client, { dependency, taskQueue }, async (ok: boolean) => {
        if (!ok) throw new Error('clicks: 503');
        return ok;
      });
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        // Every call passes the shared state check together and ends before the first batch (sent by the
        // first failure) returns: the rest pile up behind it. The last two calls succeed, one run of two.
        const calls = MAX_PENDING_RUNS + 2_000;
        const settled = await Promise.allSettled(
          Array.from({ length: calls }, (_, i) => wrapped(i % 2 === 0 || i === calls - 1)),
        );
        expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(calls / 2 + 1);
        await flushCircuitBreakerReports();

        const dropLogs = warn.mock.calls
          .map(([message]) => String(message))
          .filter((m) => m.startsWith(`Circuit breaker "${dependency}": dropped `));
        expect(dropLogs).toHaveLength(1);
        const dropped = Number(/dropped (\d+) outcomes/.exec(dropLogs[0]!)![1]);

        // The breaker counts every outcome it was sent: all but the dropped ones.
        const counted = await inspectUntil(
          'every delivered outcome counted',
          (i) => i.totals.successes + i.totals.failures === calls - dropped,
        );
        expect(counted.totals.ignoredReports).toBe(0);
        const batches = (await breakerHistory(env.client, dependency))
          .map((e) => e.event.workflowExecutionSignaledEventAttributes)
          .filter((a) => a?.signalName === 'circuit-breaker.report-batch')
          .map((a) => defaultPayloadConverter.fromPayload<OutcomeBatch>(a!.input!.payloads![0]!));
        expect(batches.every((b) => b.runs.length <= CIRCUIT_BREAKER_LIMITS.batchRuns)).toBe(true);
        const runs = batches.flatMap((b) => b.runs);
        expect(runs.reduce((sum, r) => sum + r.count, 0)).toBe(calls - dropped);
        // Behind the first batch the process held exactly the cap, and kept the newest: the last run.
        expect(runs.length - batches[0]!.runs.length).toBe(MAX_PENDING_RUNS);
        expect(runs.at(-1)).toMatchObject({ outcome: 'success', count: 2 });

        // The breaker keeps counting.
        await expect(wrapped(false)).rejects.toThrow('clicks: 503');
        await flushCircuitBreakerReports();
        const after = await inspectUntil(
          'the next outcome counted',
          (i) => i.totals.failures === counted.totals.failures + 1,
        );
        expect(after.state).toBe('closed');
      } finally {
        warn.mockRestore();
      }
    }));
});
