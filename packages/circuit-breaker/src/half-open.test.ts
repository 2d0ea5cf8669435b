import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { createCircuitBreakerActivities, inspectCircuitBreaker, reportOutcome } from './client.js';
import { eventually, fakeDependency } from './test-helpers.js';
import { dependentWorkflow } from './test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('half-open probes', () => {
  it('re-opens with a fresh cooldown when the probe fails, and closes when a later probe succeeds', async () => {
    const dependency = env.taskQueue('inventory');
    const fake = fakeDependency(env.client, dependency);
    const options = { failureThreshold: 2, cooldown: '2s', probeTimeout: '10s' };
    await env.withWorker(
      { workflowsPath, activities: { ...createCircuitBreakerActivities(env.client), ...fake.activities } },
      async (taskQueue) => {
        const ref = { dependency, taskQueue, options };
        await reportOutcome(env.client, ref, { outcome: 'failure', sender: 'test' });
        await reportOutcome(env.client, ref, { outcome: 'failure', sender: 'test' });
        expect((await inspectCircuitBreaker(env.client, dependency)).state).toBe('open');

        // A workflow that never subscribed: its guard asks the breaker and probes once the cooldown ends.
        const dependent = await env.client.workflow.start(dependentWorkflow, {
          taskQueue,
          workflowId: `${dependency}-dependent`,
          args: [{ dependency, caller: 'd', jobs: 1, subscribe: false }],
        });

        const reopened = await eventually('the failed probe to re-open the breaker', async () => {
          const inspection = await inspectCircuitBreaker(env.client, dependency);
          return inspection.transitions.length >= 3 ? inspection : undefined;
        });
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
        const after = await inspectCircuitBreaker(env.client, dependency);
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
    );
  });

  it('admits only halfOpenProbes callers at once; the others wait for the verdict', async () => {
    const dependency = env.taskQueue('search');
    const fake = fakeDependency(env.client, dependency);
    fake.state.healthy = true;
    const options = { failureThreshold: 1, cooldown: '500ms', halfOpenProbes: 2, successThreshold: 2 };
    await env.withWorker(
      { workflowsPath, activities: { ...createCircuitBreakerActivities(env.client), ...fake.activities } },
      async (taskQueue) => {
        await reportOutcome(env.client, { dependency, taskQueue, options }, { outcome: 'failure' });
        const dependents = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            env.client.workflow.start(dependentWorkflow, {
              taskQueue,
              workflowId: `${dependency}-dependent-${i}`,
              args: [{ dependency, caller: `d${i}`, jobs: 1, subscribe: i % 2 === 0 }],
            }),
          ),
        );
        const results = await Promise.all(dependents.map((d) => d.result()));
        expect(results.every((r) => r.done === 1)).toBe(true);
        expect(results.reduce((sum, r) => sum + r.probes, 0)).toBe(2);
        const halfOpenCalls = fake.state.calls.filter((c) => c.breakerState === 'half-open');
        expect(halfOpenCalls.length).toBeLessThanOrEqual(2);
        expect(halfOpenCalls.every((c) => c.probe)).toBe(true);
        expect(fake.state.calls.filter((c) => c.breakerState === 'open')).toEqual([]);
        const after = await inspectCircuitBreaker(env.client, dependency);
        expect(after.transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
        expect(after.transitions[2]!.reason).toBe('2 half-open probe(s) succeeded');
      },
    );
  });
});
