import { fileURLToPath } from 'node:url';
import { shuffled, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import type { SequencedMessage } from './index.js';
import { numbersSignal, sequencedConsumer } from './__tests__/test-workflows.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

function messages(count: number): SequencedMessage<number>[] {
  return Array.from({ length: count }, (_, i) => ({
    channel: 'numbers',
    seq: i + 1,
    sender: 'test',
    payload: (i + 1) * 10,
  }));
}

describe('sequenced channels', () => {
  it('delivers 100 shuffled messages with duplicates exactly once, in order', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(sequencedConsumer, {
        taskQueue,
        workflowId: env.taskQueue('consumer'),
        args: [{ expected: 100, gapTimeoutMs: 60_000 }],
      });
      const all = messages(100);
      const withDuplicates = shuffled([...all, ...all.filter((m) => m.seq % 5 === 0)], 7);
      for (const message of withDuplicates) await handle.signal(numbersSignal.definition, message);
      const result = await handle.result();
      expect(result.received).toEqual(all.map((m) => m.payload));
      expect(result.duplicatesDropped).toBe(20);
    });
  });

  it('reports a gap after its timeout instead of waiting forever', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(sequencedConsumer, {
        taskQueue,
        workflowId: env.taskQueue('consumer'),
        args: [{ expected: 5, gapTimeoutMs: 1_000 }],
      });
      const [m1, m2, , m4, m5] = messages(5);
      for (const message of [m1!, m2!, m4!, m5!]) await handle.signal(numbersSignal.definition, message);
      const started = Date.now();
      const result = await handle.result();
      expect(result.gap).toEqual({ channel: 'numbers', expectedSeq: 3 });
      expect(result.received).toEqual([10, 20]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    });
  });

  it('loses and repeats nothing across continue-as-new in the middle of a stream', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(sequencedConsumer, {
        taskQueue,
        workflowId: env.taskQueue('consumer'),
        args: [{ expected: 100, gapTimeoutMs: 60_000, continueEvery: 15 }],
      });
      const all = messages(100);
      const withDuplicates = shuffled([...all, ...all.filter((m) => m.seq % 4 === 0)], 11);
      for (const message of withDuplicates) await handle.signal(numbersSignal.definition, message);
      const result = await handle.result();
      expect(result.received).toEqual(all.map((m) => m.payload));
      expect(result.runs).toBeGreaterThanOrEqual(4);
      expect(result.duplicatesDropped).toBe(25);
    });
  });
});
