// Part of scenario 4: a lock request that passes the mutex's validator but names a run id that is not a
// run id. Granting it must not wedge the mutex (the server rejects the grant signal's command, failing the
// workflow task).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { startMutex } from '../../start-mutex.js';
import { contender } from '../../workflows.js';
import { failedWorkflowTasks } from '../failed-tasks.js';
import { FAULT_MUTEX } from '../options.js';
import type { FaultSuite } from '../suite.js';

export async function bogusRunId({ checks }: FaultSuite, client: Client, taskQueue: string): Promise<void> {
  const scenario = 'malformed-payloads';
  const resourceId = `bogus-run-${randomUUID().slice(0, 8)}`;
  await startMutex(client, taskQueue, resourceId, FAULT_MUTEX);
  const handle = client.workflow.getHandle(mutexWorkflowId(resourceId));
  await handle.signal('mutex.lock-request', {
    requestId: randomUUID(),
    secret: randomUUID(),
    requester: { kind: 'workflow', workflowId: 'someone', runId: 'not-a-run-id' },
    leaseMs: 60_000,
    timeoutMs: 60_000,
  });
  let tokens: number[] = [];
  let error = '';
  try {
    ({ tokens } = await client.workflow.execute(contender, {
      taskQueue,
      workflowId: `${resourceId}-after`,
      args: [{ resourceId, cycles: 1, holdMs: 0, leaseMs: 10_000, timeoutMs: 15_000 }],
    }));
  } catch (err) {
    error = String((err as { cause?: unknown }).cause ?? err).slice(0, 200);
  }
  const failed = await failedWorkflowTasks(handle);
  const why = failed[0]?.workflowTaskFailedEventAttributes?.failure?.message ?? '';
  checks.check(
    scenario,
    'mutex: a request with a bogus run id neither fails a workflow task nor blocks the next waiter',
    failed.length === 0 && tokens.length === 1,
    `${failed.length} failed workflow tasks${why ? ` (${why.slice(0, 160)})` : ''}; next waiter ${tokens.length === 1 ? 'granted' : `not granted: ${error}`}`,
  );
}
