import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { sendSignal } from './client.js';
import {
  countAgainSignal,
  countInModuleState,
  greetingSignal,
  receiveGreeting,
} from './__tests__/test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

/** Resolves once the workflow has completed its first workflow task (its code has run up to a wait). */
async function firstTaskDone(workflowId: string): Promise<void> {
  const completed = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;
  for (let i = 0; i < 600; i++) {
    const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
    if (events?.some((e) => e.eventType === completed)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${workflowId} never completed its first workflow task`);
}

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
      await Promise.all(handles.map((h) => firstTaskDone(h.workflowId)));
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

  it('gives every workflow on one worker its own module state (reusable V8 context)', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handles = await Promise.all(
        [1, 2, 3].map((i) =>
          env.client.workflow.start(countInModuleState, {
            taskQueue,
            workflowId: env.taskQueue(`count${i}`),
          }),
        ),
      );
      // All three are live in the worker at once before any counts again.
      await Promise.all(handles.map((h) => firstTaskDone(h.workflowId)));
      await Promise.all(handles.map((h) => h.signal(countAgainSignal)));
      expect(await Promise.all(handles.map((h) => h.result()))).toEqual([
        [1, 2],
        [1, 2],
        [1, 2],
      ]);
    });
  });
});
