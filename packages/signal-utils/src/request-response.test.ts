import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { doublingRequester, doublingResponder, stopSignal } from './__tests__/test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('request/response between workflows', () => {
  it('matches 50 concurrent requests from one workflow to their own responses', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const responder = await env.client.workflow.start(doublingResponder, {
        taskQueue,
        workflowId: env.taskQueue('responder'),
        args: [0],
      });
      const values = Array.from({ length: 50 }, (_, i) => i + 1);
      const { answers } = await env.client.workflow.execute(doublingRequester, {
        taskQueue,
        workflowId: env.taskQueue('requester'),
        args: [responder.workflowId, values, 30_000],
      });
      expect(answers).toEqual(values.map((v) => v * 2));
      await responder.signal(stopSignal);
      expect(await responder.result()).toBe(50);
    });
  });

  it('carries a responder failure back as RemoteRequestError', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const responder = await env.client.workflow.start(doublingResponder, {
        taskQueue,
        workflowId: env.taskQueue('responder'),
        args: [0],
      });
      const { answers } = await env.client.workflow.execute(doublingRequester, {
        taskQueue,
        workflowId: env.taskQueue('requester'),
        args: [responder.workflowId, [-1, 4], 30_000],
      });
      expect(answers).toEqual(['RemoteRequestError', 8]);
      await responder.signal(stopSignal);
    });
  });

  it('times a request out and drops the late response', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const responder = await env.client.workflow.start(doublingResponder, {
        taskQueue,
        workflowId: env.taskQueue('responder'),
        args: [1_500],
      });
      const result = await env.client.workflow.execute(doublingRequester, {
        taskQueue,
        workflowId: env.taskQueue('requester'),
        args: [responder.workflowId, [5], 300, 3_000],
      });
      expect(result).toEqual({ answers: ['RequestTimeoutError'], droppedResponses: 1 });
      await responder.signal(stopSignal);
      expect(await responder.result()).toBe(1);
    });
  });

  it('keeps the responder running when the requester has closed before the answer', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const responder = await env.client.workflow.start(doublingResponder, {
        taskQueue,
        workflowId: env.taskQueue('responder'),
        args: [1_000],
      });
      await env.client.workflow.execute(doublingRequester, {
        taskQueue,
        workflowId: env.taskQueue('requester'),
        args: [responder.workflowId, [1], 200],
      });
      await new Promise((r) => setTimeout(r, 1_500));
      const second = await env.client.workflow.execute(doublingRequester, {
        taskQueue,
        workflowId: env.taskQueue('requester'),
        args: [responder.workflowId, [21], 30_000],
      });
      expect(second.answers).toEqual([42]);
      await responder.signal(stopSignal);
      expect(await responder.result()).toBe(2);
      expect(env.logsMatching('is gone; response to').length).toBeGreaterThanOrEqual(1);
    });
  });
});
