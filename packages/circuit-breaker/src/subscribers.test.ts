import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  circuitBreakerWorkflowId,
  createCircuitBreakerActivities,
  forceClose,
  forceOpen,
  inspectCircuitBreaker,
  startCircuitBreaker,
} from './client.js';
import { eventually, fakeDependency } from './test-helpers.js';
import {
  continuingSubscriberWorkflow,
  dependentStatusQuery,
  dependentWorkflow,
  idleSubscriberWorkflow,
} from './test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('subscribers', () => {
  it('prunes a subscriber that has closed without failing the breaker, and still notifies the others', async () => {
    const dependency = env.taskQueue('billing');
    await env.withWorker(
      { workflowsPath, activities: createCircuitBreakerActivities(env.client) },
      async (taskQueue) => {
        await startCircuitBreaker(env.client, { dependency, taskQueue });
        const shortLived = await env.client.workflow.start(idleSubscriberWorkflow, {
          taskQueue,
          workflowId: `${dependency}-short`,
          args: [dependency, 10],
        });
        const longLived = await env.client.workflow.start(idleSubscriberWorkflow, {
          taskQueue,
          workflowId: `${dependency}-long`,
          args: [dependency, 30_000],
        });
        await shortLived.result();
        await eventually(
          'two subscribers',
          async () => (await inspectCircuitBreaker(env.client, dependency)).subscribers.length === 2,
        );

        await forceOpen(env.client, dependency);
        const inspection = await eventually('the closed subscriber pruned', async () => {
          const i = await inspectCircuitBreaker(env.client, dependency);
          return i.totals.pruned === 1 && i.pendingNotices === 0 ? i : undefined;
        });
        expect(inspection.subscribers).toEqual([longLived.workflowId]);
        expect(inspection.state).toBe('open');
        await eventually(
          'the live subscriber paused',
          async () => (await longLived.query(dependentStatusQuery)).paused,
        );
        expect(env.logsMatching(`pruned subscriber ${shortLived.workflowId}`)).toHaveLength(1);

        // The breaker keeps running and keeps working.
        const description = await env.client.workflow
          .getHandle(circuitBreakerWorkflowId(dependency))
          .describe();
        expect(description.status.name).toBe('RUNNING');
        await forceClose(env.client, dependency);
        await eventually(
          'the live subscriber resumed',
          async () => !(await longLived.query(dependentStatusQuery)).paused,
        );
      },
    );
  });

  it('stops notifying a dependent that unsubscribed', async () => {
    const dependency = env.taskQueue('search');
    const fake = fakeDependency(env.client, dependency);
    fake.state.healthy = true;
    await env.withWorker(
      { workflowsPath, activities: { ...createCircuitBreakerActivities(env.client), ...fake.activities } },
      async (taskQueue) => {
        const dependent = await env.client.workflow.start(dependentWorkflow, {
          taskQueue,
          workflowId: `${dependency}-dependent`,
          args: [
            { dependency, caller: 'd', jobs: 1, subscribe: true, unsubscribeAtEnd: true, lingerMs: 30_000 },
          ],
        });
        await eventually('subscribed and done', async () => {
          const status = await dependent.query(dependentStatusQuery);
          return status.done === 1 && !status.subscribed;
        });
        await eventually(
          'unsubscribed at the breaker',
          async () => (await inspectCircuitBreaker(env.client, dependency)).subscribers.length === 0,
        );
        await forceOpen(env.client, dependency);
        await eventually(
          'open',
          async () => (await inspectCircuitBreaker(env.client, dependency)).state === 'open',
        );
        const status = await dependent.query(dependentStatusQuery);
        expect(status.notices).toEqual({ pauses: 0, resumes: 0 });
        expect((await inspectCircuitBreaker(env.client, dependency)).totals.pruned).toBe(0);
      },
    );
  });

  it('reaches a subscriber after it continued as new and subscribed again', async () => {
    const dependency = env.taskQueue('stock');
    await env.withWorker(
      { workflowsPath, activities: createCircuitBreakerActivities(env.client) },
      async (taskQueue) => {
        await startCircuitBreaker(env.client, { dependency, taskQueue });
        const subscriber = await env.client.workflow.start(continuingSubscriberWorkflow, {
          taskQueue,
          workflowId: `${dependency}-continuing`,
          args: [dependency, 30_000],
        });
        await eventually(
          'subscribed',
          async () => (await inspectCircuitBreaker(env.client, dependency)).subscribers.length === 1,
        );
        await forceOpen(env.client, dependency);
        // The new run starts with no view of the breaker; subscribing again fetches the state.
        await eventually('the second run sees the breaker open', async () => {
          const status = await subscriber.query(dependentStatusQuery);
          return status.done === 2 && status.subscribed && status.paused;
        });
        await forceClose(env.client, dependency);
        await eventually('the second run resumed', async () => {
          const status = await subscriber.query(dependentStatusQuery);
          return status.done === 2 && !status.paused && status.notices.resumes === 1;
        });
        const inspection = await inspectCircuitBreaker(env.client, dependency);
        expect(inspection.subscribers).toEqual([subscriber.workflowId]);
        expect(inspection.totals.pruned).toBe(0);
      },
    );
  });
});
