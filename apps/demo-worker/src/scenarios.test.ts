import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { scenarios } from './scenarios.js';

const env = useTemporalTestEnv();
const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

describe('demo scenarios', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s passes its own check', async (_name, scenario) => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const summary = await scenario.run({ client: env.client, taskQueue, log: () => undefined });
      expect(summary).toMatch(/answered/);
    });
  });
});
