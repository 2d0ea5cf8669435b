// A child takes start and clean-up only from the parent that started it (#13 item 7's hostile input).
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { proceedSignal } from './__tests__/test-workflows.js';
import { progressWhen } from './__tests__/test-helpers.js';
import { startFanout } from './client.js';
import { fanoutCleanupSignal, fanoutStartSignal } from './definitions.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/test-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('runFanoutChild and forged signals', () => {
  it('refuses a start and a clean-up that name another parent or fan-out; the real ones still run the children', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const workflowId = env.taskQueue('forged');
      // Window 1 with one child started ahead: child 1 runs but waits for its start while child 0 works.
      const handle = await startFanout(env.client, {
        workflowId,
        taskQueue,
        childWorkflowType: 'scriptedChild',
        inputs: ['gated-fail:0', 'ok:2'],
        window: 1,
        startAhead: 1,
      });
      await progressWhen(handle, (p) => p.running === 1, 'child 0 working');
      const child = (i: number) => env.client.workflow.getHandle(`${workflowId}/${i}`);
      await pollUntil(
        () =>
          child(1)
            .describe()
            .then(
              () => true,
              () => false,
            ),
        { what: 'child 1 started ahead' },
      );

      const forger = { fanoutId: randomUUID(), parentWorkflowId: `${workflowId}-forger` };
      const identity = (i: number) => ({ index: i, childId: `${workflowId}/${i}` });
      await child(0).signal(fanoutCleanupSignal.definition, {
        ...identity(0),
        ...forger,
        reason: 'cancelled',
      });
      await child(1).signal(fanoutStartSignal.definition, { ...identity(1), ...forger, input: 'hang' });
      // A start naming the right parent but another child is refused too.
      await child(1).signal(fanoutStartSignal.definition, {
        ...identity(0),
        fanoutId: forger.fanoutId,
        parentWorkflowId: workflowId,
        input: 'hang',
      });
      await pollUntil(
        () =>
          env.logsMatching('Fan-out start refused').length >= 2 &&
          env.logsMatching('Fan-out clean-up refused').length >= 1,
        {
          what: 'the forged signals refused',
        },
      );

      // The real course: child 0 fails when told to, then child 1 gets its real start and finishes.
      await child(0).signal(proceedSignal);
      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', done: 1, failed: 1, cancelled: 0 });
      expect(summary.outcomes.map((o) => o.status)).toEqual(['failed', 'done']);
      expect(summary.outcomes[0]?.error).toContain('boom 0');
      expect(summary.outcomes[1]?.resultRef).toBe('result:2');
    });
  });
});
