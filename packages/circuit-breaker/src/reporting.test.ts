import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { flushCircuitBreakerReports, reportOutcome, withCircuitBreaker } from './client.js';
import { withBreakerTest } from './__tests__/test-helpers.js';

const env = useTemporalTestEnv();

describe('withCircuitBreaker', () => {
  it('reports failures and successes, but not cancellations or errors isFailure rules out', () =>
    withBreakerTest(env, 'kyc', async ({ dependency, taskQueue, inspectUntil }) => {
      const ref = { dependency, taskQueue };
      const outcomes: Array<() => Promise<string>> = [
        async () => 'ok',
        async () => {
          throw new Error('kyc: 500');
        },
        async () => {
          throw new CancelledFailure('worker shutting down');
        },
        async () => {
          throw new Error('kyc: 404 no such person');
        },
      ];
      const plain = withCircuitBreaker(env.client, ref, (n: number) => outcomes[n]!());
      const picky = withCircuitBreaker(env.client, ref, (n: number) => outcomes[n]!(), {
        isFailure: (err) => !String(err).includes('404'),
      });
      await expect(plain(0)).resolves.toBe('ok');
      await expect(plain(1)).rejects.toThrow('kyc: 500');
      // By default a cancellation is not a failure of the dependency.
      await expect(plain(2)).rejects.toBeInstanceOf(CancelledFailure);
      await expect(picky(3)).rejects.toThrow('404');
      // The wrapper batches its reports: send them, then a marker report after them; once the marker is
      // counted, everything before it was processed.
      await flushCircuitBreakerReports();
      await reportOutcome(env.client, ref, { outcome: 'success', sender: 'marker' });
      const inspection = await inspectUntil('the marker counted', (i) => i.totals.successes === 2);
      expect(inspection.totals.failures).toBe(1);
      expect(inspection.lastFailure).toBe('unknown sender: kyc: 500');
    }));
});
