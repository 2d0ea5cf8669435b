import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { circuitBreakerWorkflowId, forceOpen } from './client.js';
import { circuitBreakerSubscribeSignal } from './definitions.js';
import { withBreakerTest } from './__tests__/test-helpers.js';

const env = useTemporalTestEnv();

describe('broadcast at scale', () => {
  it(
    'notifies 2,100 subscribers in batches under the 2,000 pending-signal limit, pruning the closed ones',
    () =>
      withBreakerTest(env, 'bulk', async ({ dependency, startBreaker, inspectUntil }) => {
        const handle = await startBreaker({ broadcastBatchSize: 1_000 });
        // Subscribers that never ran (or have closed): every notice to them fails with "not found", so the
        // whole broadcast goes out and comes back as 2,100 prunes.
        const ids = Array.from({ length: 2_100 }, (_, i) => `${dependency}-gone-${i}`);
        for (let i = 0; i < ids.length; i += 100) {
          await Promise.all(
            ids
              .slice(i, i + 100)
              .map((workflowId) => handle.signal(circuitBreakerSubscribeSignal.definition, { workflowId })),
          );
        }
        await inspectUntil('all subscribed', (i) => i.subscribers.length === ids.length, 60_000);

        await forceOpen(env.client, dependency);
        const inspection = await inspectUntil(
          'every subscriber notified and pruned',
          (i) => i.totals.pruned === ids.length,
          90_000,
        );
        expect(inspection.subscribers).toEqual([]);
        expect(inspection.pendingNotices).toBe(0);
        expect(inspection.totals.largestNoticeBatch).toBe(1_000);
        expect(inspection.totals.noticeBatches).toBeGreaterThanOrEqual(3);
        expect(inspection.state).toBe('open');
        // The dev server suggests continue-as-new after 200 events: the broadcast spanned several runs.
        expect(inspection.run).toBeGreaterThan(1);
        const description = await env.client.workflow
          .getHandle(circuitBreakerWorkflowId(dependency))
          .describe();
        expect(description.status.name).toBe('RUNNING');
      }),
    180_000,
  );
});
