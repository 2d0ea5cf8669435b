import {
  defineHistoryReplayTests,
  pollUntil,
  recordHistory,
  useTemporalTestEnv,
} from '@temporal-patterns/temporal-harness/testing';
import { expect } from 'vitest';
import {
  circuitBreakerWorkflowId,
  createCircuitBreakerActivities,
  inspectCircuitBreaker,
} from '../client.js';
import { fakeDependency, workflowsPath } from './test-helpers.js';
import { dependentWorkflow } from './test-workflows.js';

const historiesDir = new URL('../__histories__/', import.meta.url);
const env = useTemporalTestEnv();

// Histories recorded from real runs. Replaying them against today's code fails on any change that would
// break breakers and dependents already running. Re-record only for an intended, versioned change:
// CIRCUIT_BREAKER_RECORD_HISTORIES=1 npx vitest run src/__tests__/histories.test.ts
defineHistoryReplayTests({
  historiesDir,
  workflowsPath,
  minHistories: 5,
  record: {
    env: 'CIRCUIT_BREAKER_RECORD_HISTORIES',
    title: 'records a breaker that opens, probes, closes and continues as new, with its dependents',
    run: async () => {
      const dependency = 'recorded';
      const fake = fakeDependency(env.client, dependency);
      const options = { failureThreshold: 2, cooldown: '1s', maxHistoryEvents: 40 };
      await env.withWorker(
        { workflowsPath, activities: { ...createCircuitBreakerActivities(env.client), ...fake.activities } },
        async (taskQueue) => {
          const dependents = await Promise.all(
            [0, 1, 2].map((i) =>
              env.client.workflow.start(dependentWorkflow, {
                taskQueue,
                workflowId: `recorded-dependent-${i}`,
                args: [{ dependency, caller: `d${i}`, jobs: 2, subscribe: i < 2, options }],
              }),
            ),
          );
          await pollUntil(
            async () => (await inspectCircuitBreaker(env.client, dependency)).state === 'open',
            { what: 'open' },
          );
          fake.state.healthy = true;
          await Promise.all(dependents.map((d) => d.result()));
          const breakerId = circuitBreakerWorkflowId(dependency);
          // A breaker never completes; terminated, its last run replays to the end like the others.
          await env.client.workflow.getHandle(breakerId).terminate('recorded');
          const runs = [];
          for await (const run of env.client.workflow.list({ query: `WorkflowId = '${breakerId}'` }))
            runs.push(run);
          runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
          expect(runs.length).toBeGreaterThanOrEqual(2);
          for (const [i, run] of runs.entries()) {
            const file = `breaker-run-${i + 1}`;
            await recordHistory(env.client, { historiesDir, workflowId: breakerId, runId: run.runId, file });
          }
          for (const d of dependents)
            await recordHistory(env.client, { historiesDir, workflowId: d.workflowId, file: d.workflowId });
        },
      );
    },
  },
});
