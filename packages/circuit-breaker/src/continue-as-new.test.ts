import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { circuitBreakerWorkflowId, forceClose, reportOutcome } from './client.js';
import { statusesUntil, withBreakerTest } from './__tests__/test-helpers.js';
import { idleSubscriberWorkflow } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('continue-as-new', () => {
  it('keeps state, counts and subscribers across runs, without repeating notices', () =>
    withBreakerTest(
      env,
      'orders',
      async ({ dependency, taskQueue, startBreaker, start, inspect, inspectUntil }) => {
        const options = {
          failureThreshold: 3,
          cooldown: '1 minute',
          maxHistoryEvents: 60,
          broadcastBatchSize: 2,
        };
        const ref = { dependency, taskQueue, options };
        const first = await startBreaker(options);
        const firstRunId = first.firstExecutionRunId;
        const subscribers = await Promise.all(
          [0, 1, 2].map((i) => start(idleSubscriberWorkflow, `subscriber-${i}`, dependency, 60_000)),
        );
        await inspectUntil('three subscribers', (i) => i.subscribers.length === 3);
        for (let i = 0; i < 3; i += 1)
          await reportOutcome(env.client, ref, { outcome: 'failure', reportId: `f${i}` });
        const opened = await inspectUntil(
          'open and every subscriber told',
          (i) => i.state === 'open' && i.pendingNotices === 0,
        );
        expect(opened.run).toBe(1);
        expect(opened.totals).toMatchObject({ noticeBatches: 2, largestNoticeBatch: 2 });

        // Reports while open are ignored but still grow the history past maxHistoryEvents.
        for (let i = 0; i < 40; i += 1)
          await reportOutcome(env.client, ref, { outcome: 'failure', reportId: `late${i}` });
        // A duplicate of a report from the first run is still recognised in the next one.
        await reportOutcome(env.client, ref, { outcome: 'failure', reportId: 'f0' });
        const later = await inspectUntil(
          'a new run with every report seen',
          (i) => i.run >= 2 && i.totals.ignoredReports === 40,
        );
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
        await statusesUntil(
          subscribers,
          'all resumed',
          (s) => !s.paused && s.notices.pauses === 1 && s.notices.resumes === 1,
        );
        // The duplicate "f0" (sent before the force-close, so processed by now) was dropped, not counted.
        const closed = await inspect();
        expect(closed.state).toBe('closed');
        expect(closed.totals).toMatchObject({ failures: 3, ignoredReports: 40 });
      },
    ));
});
