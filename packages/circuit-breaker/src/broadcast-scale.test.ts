import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { circuitBreakerWorkflowId, forceOpen, inspectCircuitBreaker, startCircuitBreaker } from './client.js';
import { circuitBreakerSubscribeSignal } from './definitions.js';
import { eventually } from './test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('broadcast at scale', () => {
  it('notifies 2,100 subscribers in batches under the 2,000 pending-signal limit, pruning the closed ones', async () => {
    const dependency = env.taskQueue('bulk');
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await startCircuitBreaker(env.client, {
        dependency,
        taskQueue,
        options: { broadcastBatchSize: 1_000 },
      });
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
      await eventually(
        'all subscribed',
        async () => (await inspectCircuitBreaker(env.client, dependency)).subscribers.length === ids.length,
        60_000,
      );

      await forceOpen(env.client, dependency);
      const inspection = await eventually(
        'every subscriber notified and pruned',
        async () => {
          const i = await inspectCircuitBreaker(env.client, dependency);
          return i.totals.pruned === ids.length ? i : undefined;
        },
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
    });
  }, 180_000);
});
