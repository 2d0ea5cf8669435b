import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  circuitBreakerWorkflowId,
  createCircuitBreakerActivities,
  forceClose,
  inspectCircuitBreaker,
  reportOutcome,
  startCircuitBreaker,
} from './client.js';
import { eventually } from './test-helpers.js';
import { dependentStatusQuery, idleSubscriberWorkflow } from './test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('continue-as-new', () => {
  it('keeps state, counts and subscribers across runs, without repeating notices', async () => {
    const dependency = env.taskQueue('orders');
    await env.withWorker(
      { workflowsPath, activities: createCircuitBreakerActivities(env.client) },
      async (taskQueue) => {
        const ref = {
          dependency,
          taskQueue,
          options: { failureThreshold: 3, cooldown: '1 minute', maxHistoryEvents: 60, broadcastBatchSize: 2 },
        };
        const first = await startCircuitBreaker(env.client, ref);
        const firstRunId = first.firstExecutionRunId;
        const subscribers = await Promise.all(
          [0, 1, 2].map((i) =>
            env.client.workflow.start(idleSubscriberWorkflow, {
              taskQueue,
              workflowId: `${dependency}-subscriber-${i}`,
              args: [dependency, 60_000],
            }),
          ),
        );
        await eventually(
          'three subscribers',
          async () => (await inspectCircuitBreaker(env.client, dependency)).subscribers.length === 3,
        );
        for (let i = 0; i < 3; i += 1)
          await reportOutcome(env.client, ref, { outcome: 'failure', reportId: `f${i}` });
        const opened = await eventually('open and every subscriber told', async () => {
          const i = await inspectCircuitBreaker(env.client, dependency);
          return i.state === 'open' && i.pendingNotices === 0 ? i : undefined;
        });
        expect(opened.run).toBe(1);
        expect(opened.totals).toMatchObject({ noticeBatches: 2, largestNoticeBatch: 2 });

        // Reports while open are ignored but still grow the history past maxHistoryEvents.
        for (let i = 0; i < 40; i += 1)
          await reportOutcome(env.client, ref, { outcome: 'failure', reportId: `late${i}` });
        // A duplicate of a report from the first run is still recognised in the next one.
        await reportOutcome(env.client, ref, { outcome: 'failure', reportId: 'f0' });
        const later = await eventually('a new run with every report seen', async () => {
          const i = await inspectCircuitBreaker(env.client, dependency);
          return i.run >= 2 && i.totals.ignoredReports === 40 ? i : undefined;
        });
        const current = await env.client.workflow.getHandle(circuitBreakerWorkflowId(dependency)).describe();
        expect(current.runId).not.toBe(firstRunId);
        expect(later).toMatchObject({
          state: 'open',
          since: opened.since,
          epoch: opened.epoch,
          openUntil: opened.openUntil,
          transitions: opened.transitions,
          totals: { failures: 3, opened: 1, ignoredReports: 40 },
        });
        expect(later.subscribers.sort()).toEqual(opened.subscribers.sort());

        // Subscribers carried over still get the resume, and were not paused a second time.
        await forceClose(env.client, dependency);
        await eventually('all resumed', async () =>
          (await Promise.all(subscribers.map((s) => s.query(dependentStatusQuery)))).every(
            (s) => !s.paused && s.notices.pauses === 1 && s.notices.resumes === 1,
          ),
        );
        // The duplicate "f0" (sent before the force-close, so processed by now) was dropped, not counted.
        const closed = await inspectCircuitBreaker(env.client, dependency);
        expect(closed.state).toBe('closed');
        expect(closed.totals).toMatchObject({ failures: 3, ignoredReports: 40 });
      },
    );
  });
});
