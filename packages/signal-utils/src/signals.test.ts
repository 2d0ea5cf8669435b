import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { sendSignal } from './client.js';
import { ExternalWorkflowNotFoundError, InvalidSignalPayloadError, PayloadTooLargeError } from './index.js';
import {
  farewellSignal,
  greetingSignal,
  receiveFirstOf,
  receiveGreeting,
  receiveGreetingLate,
  sendGreeting,
  sendGreetingToRun,
  sendGreetingUnguarded,
} from './__tests__/test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();
const EventType = temporal.api.enums.v1.EventType;

async function eventTypes(workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => EventType[e.eventType ?? 0] ?? String(e.eventType));
}

describe('typed signals between workflows', () => {
  it('delivers a typed payload from one workflow to another', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const receiverId = env.taskQueue('receiver');
      const receiver = await env.client.workflow.start(receiveGreeting, {
        taskQueue,
        workflowId: receiverId,
        args: [30_000],
      });
      const sent = await env.client.workflow.execute(sendGreeting, {
        taskQueue,
        workflowId: env.taskQueue('sender'),
        args: [receiverId, 'hello'],
      });
      expect(sent).toBe('sent');
      expect(await receiver.result()).toEqual({ text: 'hello', sender: 'sendGreeting' });
    });
  });

  it('cancels the wait timer when the signal wins (visible in history)', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const workflowId = env.taskQueue('receiver');
      const receiver = await env.client.workflow.start(receiveGreeting, {
        taskQueue,
        workflowId,
        args: [60_000],
      });
      // Send only once the receiver is waiting: a signal that arrives first is taken without a timer.
      for (let i = 0; !(await eventTypes(workflowId)).includes('EVENT_TYPE_TIMER_STARTED'); i++) {
        if (i === 600) throw new Error('the receiver never started its wait timer');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await sendSignal(env.client, workflowId, greetingSignal, { text: 'quick', sender: 'test' });
      await receiver.result();
      const types = await eventTypes(workflowId);
      expect(types).toContain('EVENT_TYPE_TIMER_STARTED');
      expect(types).toContain('EVENT_TYPE_TIMER_CANCELED');
      expect(types).not.toContain('EVENT_TYPE_TIMER_FIRED');
    });
  });

  it('rejects with a typed timeout error naming the signal and the duration', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const result = await env.client.workflow.execute(receiveGreeting, {
        taskQueue,
        workflowId: env.taskQueue('receiver'),
        args: [300],
      });
      expect(result).toEqual({
        name: 'SignalTimeoutError',
        type: 'SignalTimeoutError',
        message: 'No signal "test.greeting" received within 300 ms',
      });
    });
  });

  it('buffers a signal that arrives before anyone waits', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(receiveGreetingLate, {
        taskQueue,
        workflowId: env.taskQueue('late'),
        args: [1_000],
      });
      await sendSignal(env.client, handle.workflowId, greetingSignal, { text: 'early', sender: 'test' });
      expect(await handle.result()).toEqual({ text: 'early', sender: 'test' });
    });
  });

  it('returns the first of several signals', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(receiveFirstOf, {
        taskQueue,
        workflowId: env.taskQueue('first'),
        args: [30_000],
      });
      await sendSignal(env.client, handle.workflowId, farewellSignal, 'bye');
      expect(await handle.result()).toEqual({ signal: 'test.farewell', payload: 'bye' });
    });
  });

  it('gives the typed not-found error for a workflow that does not exist', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const result = await env.client.workflow.execute(sendGreeting, {
        taskQueue,
        workflowId: env.taskQueue('sender'),
        args: ['no-such-workflow-' + env.taskQueue(), 'hello'],
      });
      expect(result).toMatchObject({
        name: 'ExternalWorkflowNotFoundError',
        type: 'ExternalWorkflowNotFoundError',
      });
      expect((result as { message: string }).message).toMatch(/does not exist or has already closed/);
    });
  });

  it('gives the typed not-found error for a workflow that has completed', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const doneId = env.taskQueue('done');
      await env.client.workflow.execute(receiveGreeting, { taskQueue, workflowId: doneId, args: [10] });
      const result = await env.client.workflow.execute(sendGreeting, {
        taskQueue,
        workflowId: env.taskQueue('sender'),
        args: [doneId, 'too late'],
      });
      expect(result).toMatchObject({
        name: 'ExternalWorkflowNotFoundError',
        type: 'ExternalWorkflowNotFoundError',
      });
    });
  });

  it('refuses a malformed run id with a typed error instead of failing the workflow task', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const result = await env.client.workflow.execute(sendGreetingToRun, {
        taskQueue,
        workflowId: env.taskQueue('sender'),
        args: ['someone', 'not-a-run-id'],
      });
      expect(result).toMatchObject({ name: 'SignalDeliveryError', type: 'SignalDeliveryError' });
      expect((result as { message: string }).message).toMatch(/invalid run id "not-a-run-id"/);
    });
  });

  it('fails the sending workflow with the typed error when it does not catch it', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const error = await env.client.workflow
        .execute(sendGreetingUnguarded, {
          taskQueue,
          workflowId: env.taskQueue('sender'),
          args: ['missing-' + env.taskQueue()],
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('ExternalWorkflowNotFoundError');
    });
  });

  it('keeps a receiver running after a malformed payload and logs signal and sender', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(receiveGreeting, {
        taskQueue,
        workflowId: env.taskQueue('receiver'),
        args: [30_000],
      });
      await handle.signal(greetingSignal.definition, { text: 42, sender: 'mallory' } as never);
      await handle.signal(greetingSignal.definition, 'not even an object' as never);
      await handle.signal(greetingSignal.definition, { text: 'valid', sender: 'alice' });
      expect(await handle.result()).toEqual({ text: 'valid', sender: 'alice' });
      const warnings = env.logsMatching('Rejected malformed payload on signal "test.greeting"');
      expect(warnings.map((w) => w.meta?.sender)).toEqual(
        expect.arrayContaining(['mallory', 'unknown sender']),
      );
      expect(warnings.find((w) => w.meta?.sender === 'mallory')?.meta?.reason).toBe('text must be a string');
    });
  });

  it('refuses an oversized payload before sending, so the target never sees it', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const receiverId = env.taskQueue('receiver');
      const receiver = await env.client.workflow.start(receiveGreeting, {
        taskQueue,
        workflowId: receiverId,
        args: [2_000],
      });
      const result = await env.client.workflow.execute(sendGreeting, {
        taskQueue,
        workflowId: env.taskQueue('sender'),
        args: [receiverId, 'x'.repeat(300 * 1024)],
      });
      expect(result).toMatchObject({ name: 'PayloadTooLargeError' });
      expect((result as { message: string }).message).toMatch(/send a reference/);
      await receiver.result();
      expect(await eventTypes(receiverId)).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    });
  });
});

describe('sendSignal (client)', () => {
  it('rejects an invalid payload before sending', async () => {
    await expect(
      sendSignal(env.client, 'anything', greetingSignal, { text: 1 } as never),
    ).rejects.toBeInstanceOf(InvalidSignalPayloadError);
  });

  it('rejects an oversized payload', async () => {
    await expect(
      sendSignal(env.client, 'anything', farewellSignal, 'y'.repeat(1000), { maxPayloadBytes: 100 }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('maps a missing workflow to ExternalWorkflowNotFoundError', async () => {
    await expect(
      sendSignal(env.client, 'missing-' + env.taskQueue(), farewellSignal, 'bye'),
    ).rejects.toBeInstanceOf(ExternalWorkflowNotFoundError);
  });
});
