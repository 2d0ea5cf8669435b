import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { sendSignal } from './client.js';
import { greetingSignal, receiveGreeting } from './test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('per-workflow state', () => {
  it('keeps channels of concurrent workflows on one worker apart', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handles = await Promise.all(
        [1, 2, 3].map((i) =>
          env.client.workflow.start(receiveGreeting, {
            taskQueue,
            workflowId: env.taskQueue(`r${i}`),
            args: [20_000],
          }),
        ),
      );
      await new Promise((r) => setTimeout(r, 500));
      await Promise.all(
        handles.map((h, i) =>
          sendSignal(env.client, h.workflowId, greetingSignal, { text: `to ${i}`, sender: 'test' }),
        ),
      );
      expect(await Promise.all(handles.map((h) => h.result()))).toEqual(
        [0, 1, 2].map((i) => ({ text: `to ${i}`, sender: 'test' })),
      );
    });
  });
});
