import { fileURLToPath } from 'node:url';
import {
  fetchRunHistories,
  pollUntil,
  useTemporalTestEnv,
} from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { statusOf } from './__tests__/test-helpers.js';
import { InvalidFanoutInputError, startFanout } from './client.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

const MiB = 1024 * 1024;
const padding = 'p'.repeat(24_000);

/**
 * 40 children whose inputs take ~960 KiB of the options. Each returns a resultRef of exactly 12,000 bytes
 * (the cap the test sets, near the most the state budget allows for this shape), except every seventh,
 * which returns 200,000 bytes: carried whole, those alone would push the state past 2 MiB.
 */
function inputsAtTheCap(): string[] {
  return Array.from({ length: 40 }, (_, i) => `ref:${i % 7 === 3 ? 200_000 : 12_000}:${padding}`);
}

describe('fanoutWorkflow at its state budget', () => {
  it('refuses a resultRef cap the children cannot fit in the state budget', async () => {
    const error = await startFanout(env.client, {
      workflowId: 'never-started',
      taskQueue: 'none',
      childWorkflowType: 'scriptedChild',
      inputs: inputsAtTheCap(),
      window: 5,
      maxResultRefBytes: 16_000,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidFanoutInputError);
    expect((error as InvalidFanoutInputError).field).toBe('maxResultRefBytes');
  });

  it('fails children over maxResultRefBytes, continues as new at the cap and keeps its carried input under 2 MiB', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const inputs = inputsAtTheCap();
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('at-the-cap'),
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs,
        window: 5,
        maxHistoryEvents: 50,
        maxResultRefBytes: 12_000,
      });
      // Bounded: before the cap, carrying the large references made continue-as-new fail.
      await pollUntil(async () => (await statusOf(env.client, handle.workflowId)) !== 'RUNNING', {
        timeoutMs: 120_000,
        what: 'the parent to finish',
      });
      const summary = await handle.result();
      const oversized = inputs.flatMap((input, i) => (input.startsWith('ref:200000') ? [i] : []));
      expect(oversized).toHaveLength(6);
      expect(summary).toMatchObject({ status: 'completed', total: 40, done: 34, failed: 6 });
      for (const outcome of summary.outcomes) {
        if (oversized.includes(outcome.index)) {
          expect(outcome).toMatchObject({
            status: 'failed',
            error: 'resultRef takes 200000 bytes, more than maxResultRefBytes (12000)',
          });
        } else {
          expect(outcome.status).toBe('done');
          expect(outcome.resultRef).toHaveLength(11_998);
        }
      }

      const runs = await fetchRunHistories(env.client, handle.workflowId, handle.firstExecutionRunId);
      expect(runs.length).toBe(summary.runs);
      expect(summary.runs).toBeGreaterThan(2);
      const carried = runs.slice(0, -1).map((history) => {
        const last = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
        return last?.input?.payloads?.[0]?.data?.length ?? 0;
      });
      const result =
        runs.at(-1)?.events?.at(-1)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data
          ?.length ?? 0;
      console.log(`continue-as-new input bytes per run: ${carried.join(' ')}; summary bytes: ${result}`);
      // Every continue-as-new carried the ~960 KiB options and the outcomes so far, and stayed at most
      // 1.5 MiB: a quarter of Temporal's 2 MiB payload limit to spare.
      expect(Math.min(...carried)).toBeGreaterThan(0.9 * MiB);
      expect(Math.max(...carried)).toBeLessThanOrEqual(1.5 * MiB);
      expect(result).toBeGreaterThan(34 * 12_000);
      expect(result).toBeLessThanOrEqual(1.5 * MiB);
    });
  }, 240_000);
});
