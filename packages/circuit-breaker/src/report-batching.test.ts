import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  CIRCUIT_BREAKER_REFUSED,
  CircuitBreakerRefusedError,
  flushCircuitBreakerReports,
  withCircuitBreaker,
} from './client.js';
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
});
