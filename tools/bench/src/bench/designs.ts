// The lock designs the history and hop parts run side by side: our mutex and the article's, each a mutex
// workflow plus requester workflows that loop acquire → the protected activity → release.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { startMutex } from '../start-mutex.js';
import { activityLockContender, articleContender, articleMutexWorkflow, contender } from '../workflows.js';
import { articleMutexId } from '../article-mutex.js';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One design's lock loop: the mutex workflow's id, and a requester workflow running `cycles` cycles. */
export interface LockDesign {
  name: string;
  mutexId: (resourceId: string) => string;
  /** Name of the signal that releases the lock. */
  releaseSignal: string;
  start: (client: Client, taskQueue: string, resourceId: string) => Promise<unknown>;
  requester: (
    client: Client,
    taskQueue: string,
    resourceId: string,
    id: string,
    cycles: number,
  ) => Promise<unknown>;
}

function ours(name: string, releaseInActivity: boolean, grantsByLocalActivity = false): LockDesign {
  return {
    name,
    mutexId: mutexWorkflowId,
    releaseSignal: 'mutex.release',
    start: (client, taskQueue, resourceId) =>
      startMutex(client, taskQueue, resourceId, { grantsByLocalActivity }),
    requester: (client, taskQueue, resourceId, id, cycles) =>
      client.workflow.execute(contender, {
        taskQueue,
        workflowId: id,
        args: [{ resourceId, cycles, holdMs: 0, leaseMs: 60_000, timeoutMs: 60_000, releaseInActivity }],
      }),
  };
}

/** Our mutex, the holder's workflow releasing after its activity (`withLock`'s default). */
export const oursDesign = ours('ours', false);
/** Our mutex, the protected activity releasing the lease itself (`MutexClient.releaseAfter`). */
export const oursReleasingDesign = ours('ours-release-in-activity', true);
/** Both: the activity releases, and the mutex grants by local activity (`grantsByLocalActivity`). */
export const oursFastDesign = ours('ours-fast', true, true);

/** Our mutex, the protected activity taking the lock itself (`MutexClient.withLock` in the activity). */
export const oursLockInActivityDesign: LockDesign = {
  name: 'ours-lock-in-activity',
  mutexId: mutexWorkflowId,
  releaseSignal: 'mutex.release',
  start: (client, taskQueue, resourceId) => startMutex(client, taskQueue, resourceId, {}),
  requester: (client, taskQueue, resourceId, id, cycles) =>
    client.workflow.execute(activityLockContender, {
      taskQueue,
      workflowId: id,
      args: [{ resourceId, cycles, holdMs: 0, timeoutMs: 60_000 }],
    }),
};

export const articleDesign: LockDesign = {
  name: 'article',
  mutexId: articleMutexId,
  releaseSignal: 'article.unlock-request',
  start: (client, taskQueue, resourceId) =>
    client.workflow.start(articleMutexWorkflow, {
      taskQueue,
      workflowId: articleMutexId(resourceId),
      args: [resourceId],
    }),
  requester: (client, taskQueue, resourceId, id, cycles) =>
    client.workflow.execute(articleContender, {
      taskQueue,
      workflowId: id,
      args: [{ resourceId, cycles, holdMs: 0, timeoutMs: 60_000 }],
    }),
};

/** Every event of a workflow's history, over all runs of its continue-as-new chain, oldest run first. */
export async function historyOfChain(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.unshift(events);
    const prev = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!prev) break;
    runId = prev;
  }
  return runs.flat();
}
