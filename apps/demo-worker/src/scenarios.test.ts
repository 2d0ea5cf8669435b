import { fileURLToPath } from 'node:url';
import { createMutexActivities } from '@temporal-patterns/mutex/client';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { scenarios } from './scenarios.js';

const env = useTemporalTestEnv();
const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

/** How many workflows one run of each scenario starts, its own and the patterns'. */
const workflowCount: Record<string, number> = {
  'signal-utils': 4,
  mutex: 11,
  pipeline: 4,
  fanout: 51,
  'circuit-breaker': 9,
};

/** Distinct workflow ids the filter lists (a workflow that continued as new lists once per run). */
async function listed(query: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const execution of env.client.workflow.list({ query })) ids.add(execution.workflowId);
  return ids;
}

describe('demo scenarios', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))(
    '%s passes its own checks, and its Web UI filter lists the workflows it started',
    async (name, scenario) => {
      const activities = { ...createMutexActivities(env.client), ...scenario.activities?.(env.client) };
      const runId = env.taskQueue('run');
      await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
        const lines: string[] = [];
        const summary = await scenario.run({
          client: env.client,
          taskQueue,
          runId,
          log: (l) => lines.push(l),
        });
        expect(summary.length).toBeGreaterThan(0);
      });
      // Visibility catches up a moment after the workflows start.
      await expect
        .poll(() => listed(scenario.workflowQuery(runId)).then((ids) => ids.size), { timeout: 10_000 })
        .toBe(workflowCount[name]);
    },
  );
});
