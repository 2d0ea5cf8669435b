import { fileURLToPath } from 'node:url';
import { fetchRunHistories, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import { definePipeline } from './index.js';
import { createTestActivities } from './__tests__/test-activities.js';
import { items } from './__tests__/test-helpers.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

/** Encoded sizes of the inputs each run of `workflowId` handed to the next by continuing as new. */
async function continueAsNewInputSizes(workflowId: string): Promise<number[]> {
  const runs = await fetchRunHistories(env.client, workflowId);
  return runs.flatMap((history) =>
    (history.events ?? []).flatMap((event) => {
      const payloads = event.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads;
      return payloads ? [payloads.reduce((sum, p) => sum + (p.data?.length ?? 0), 0)] : [];
    }),
  );
}

describe('what a run holds', () => {
  it('refuses items past maxHeldBytes, keeps serving across continue-as-new, and carries well under 2 MiB', async () => {
    const linear = definePipeline('held', [
      { name: 'A', activity: 'pipelineTestStep', downstream: ['B'] },
      { name: 'B', activity: 'pipelineTestStep' },
    ]);
    await env.withWorker({ workflowsPath, activities: createTestActivities() }, async (taskQueue) => {
      const runId = env.taskQueue('held');
      // 160 items of 6 KiB: 960 KiB of references in, as much out, past the default cap of 768 KiB.
      const all = items(160, (i) => `r${i}:`.padEnd(6 * 1024, 'x'));
      const run = await startPipeline(env.client, linear, { runId, taskQueue, maxHistoryEvents: 80 });
      for (let start = 0; start < all.length; start += 20)
        await run.feed(all.slice(start, start + 20), { last: start + 20 >= all.length });
      const result = await run.result();

      // What each run carried into the next stays 512 KiB clear of the 2 MiB payload limit.
      const sizes = await continueAsNewInputSizes(runId);
      expect(sizes.length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...sizes)).toBeLessThan(1.5 * 1024 * 1024);

      expect(result.refused).toBeGreaterThan(0);
      // Every item is the same size and what the run holds only grows: it took a prefix of the input.
      const accepted = all.slice(0, all.length - result.refused);
      expect(result.items.map((o) => o.id)).toEqual(accepted.map((i) => i.id));
      expect(result.items.map((o) => o.output)).toEqual(accepted.map((i) => `${i.ref}>A>B`));
      expect(result.completed).toBe(accepted.length);
      expect(env.logsMatching(`refused item "${all.at(-1)!.id}"`)).not.toHaveLength(0);
      const progress = await run.progress();
      expect(progress).toMatchObject({ refused: result.refused, fed: accepted.length, done: true });
      expect(progress.runs).toBeGreaterThanOrEqual(3);
    });
  });
});
