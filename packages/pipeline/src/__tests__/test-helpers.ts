// Helpers for this package's tests.
import type { Client } from '@temporalio/client';
import { pollUntil } from '@temporal-patterns/temporal-harness/testing';
import { stageWorkflowId } from '../index.js';

/** `n` items `item-<i>` with refs `r<i>`. */
export const items = (n: number, ref: (i: number) => string = (i) => `r${i}`) =>
  Array.from({ length: n }, (_, i) => ({ id: `item-${i}`, ref: ref(i) }));

/** Waits until the workflow of `stage` in run `runId` is running, or (`closed`) no longer running. */
export async function stageStatus(
  client: Client,
  runId: string,
  stage: string,
  status: 'running' | 'closed',
): Promise<void> {
  const handle = client.workflow.getHandle(stageWorkflowId(runId, stage));
  await pollUntil(
    async () => ((await handle.describe()).status.name === 'RUNNING') === (status === 'running'),
    {
      what: `stage ${stage} of ${runId} to be ${status}`,
    },
  );
}
