import { fileURLToPath } from 'node:url';
import { createMutexActivities } from '@temporal-patterns/mutex/client';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { scenarios } from './scenarios.js';

const env = useTemporalTestEnv();
const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

describe('demo scenarios', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s passes its own checks', async (_name, scenario) => {
    const activities = { ...createMutexActivities(env.client), ...scenario.activities?.(env.client) };
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      const lines: string[] = [];
      const summary = await scenario.run({
        client: env.client,
        taskQueue,
        runId: env.taskQueue('run'),
        log: (l) => lines.push(l),
      });
      expect(summary.length).toBeGreaterThan(0);
    });
  });
});
