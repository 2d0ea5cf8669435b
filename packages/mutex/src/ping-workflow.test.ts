import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { pingMutex } from './client.js';
import { mutexPingWorkflow } from './index.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('mutexPingWorkflow', () => {
  it('returns the text of the ping signal it receives', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const answer = await pingMutex(env.client, {
        taskQueue,
        workflowId: env.taskQueue('ping'),
        text: 'hello',
      });
      expect(answer).toBe('hello');
    });
  });

  it('returns undefined when no ping arrives before the timeout', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const result = await env.client.workflow.execute(mutexPingWorkflow, {
        taskQueue,
        workflowId: env.taskQueue('ping-timeout'),
        args: [200],
      });
      expect(result).toBeUndefined();
    });
  });
});
