import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  createCircuitBreakerActivities,
  forceOpen,
  inspectCircuitBreaker,
  startCircuitBreaker,
} from './client.js';
import { eventually, fakeDependency } from './test-helpers.js';
import { dependentWorkflow, peekWorkflow } from './test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('breakerGuard and call()', () => {
  it('gives up with CircuitOpenError after maxWait while the breaker stays open', async () => {
    const dependency = env.taskQueue('fx');
    const fake = fakeDependency(env.client, dependency);
    fake.state.healthy = true;
    await env.withWorker(
      { workflowsPath, activities: { ...createCircuitBreakerActivities(env.client), ...fake.activities } },
      async (taskQueue) => {
        await startCircuitBreaker(env.client, { dependency, taskQueue });
        await forceOpen(env.client, dependency);
        const results = await Promise.all(
          [false, true].map((subscribe) =>
            env.client.workflow.execute(dependentWorkflow, {
              taskQueue,
              workflowId: `${dependency}-${subscribe ? 'subscribed' : 'unsubscribed'}`,
              args: [{ dependency, caller: 'd', jobs: 1, subscribe, guard: { maxWait: '600ms' } }],
            }),
          ),
        );
        expect(results).toHaveLength(2);
        for (const result of results) {
          expect(result.done).toBe(0);
          expect(result.error?.name).toBe('CircuitOpenError');
          expect(result.error?.message).toMatch(/is open; gave up after waiting \d+ ms/);
        }
        expect(fake.state.calls).toEqual([]);
      },
    );
  });

  it("with onTimeout: 'proceed' makes the call anyway after maxWait", async () => {
    const dependency = env.taskQueue('fx');
    const fake = fakeDependency(env.client, dependency);
    fake.state.healthy = true;
    await env.withWorker(
      { workflowsPath, activities: { ...createCircuitBreakerActivities(env.client), ...fake.activities } },
      async (taskQueue) => {
        await startCircuitBreaker(env.client, { dependency, taskQueue });
        await forceOpen(env.client, dependency);
        const result = await env.client.workflow.execute(dependentWorkflow, {
          taskQueue,
          workflowId: `${dependency}-proceeds`,
          args: [
            {
              dependency,
              caller: 'd',
              jobs: 1,
              subscribe: false,
              guard: { maxWait: 300, onTimeout: 'proceed' },
            },
          ],
        });
        expect(result).toMatchObject({ done: 1, probes: 0 });
        expect(fake.state.calls).toEqual([expect.objectContaining({ caller: 'd', breakerState: 'open' })]);
      },
    );
  });

  it('lets calls through when no breaker runs, and call() creates the breaker on demand by reporting', async () => {
    const dependency = env.taskQueue('tax');
    const fake = fakeDependency(env.client, dependency, { reporting: false });
    fake.state.healthy = true;
    await env.withWorker(
      { workflowsPath, activities: { ...createCircuitBreakerActivities(env.client), ...fake.activities } },
      async (taskQueue) => {
        const peeked = await env.client.workflow.execute(peekWorkflow, {
          taskQueue,
          workflowId: `${dependency}-peek`,
          args: [dependency],
        });
        expect(peeked).toBe('closed');
        // The activity does not report here: the workflow's call() does, starting the breaker.
        const result = await env.client.workflow.execute(dependentWorkflow, {
          taskQueue,
          workflowId: `${dependency}-caller`,
          args: [{ dependency, caller: 'd', jobs: 2, subscribe: false, reportFromWorkflow: true }],
        });
        expect(result.done).toBe(2);
        const inspection = await eventually('both reports counted', async () => {
          const i = await inspectCircuitBreaker(env.client, dependency);
          return i.totals.successes === 2 ? i : undefined;
        });
        expect(inspection.state).toBe('closed');
        expect(inspection.totals.failures).toBe(0);
      },
    );
  });
});
