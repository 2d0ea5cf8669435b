// History events per lock cycle, marginal: a requester taking the lock 25 times minus one taking it 5 times.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { progress, round, sleep } from '../../common.js';
import { startMutex } from '../../start-mutex.js';
import { articleContender, articleMutexWorkflow, contender } from '../../workflows.js';
import { articleMutexId } from '../../article-mutex.js';
import type { BenchPart } from '../part.js';

/** Events in a workflow's history, over every run of its continue-as-new chain. */
async function historyEvents(client: Client, workflowId: string): Promise<number> {
  let total = 0;
  let runId: string | undefined;
  // Follow the chain of runs backwards from the latest.
  for (let guard = 0; guard < 1000; guard++) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    total += events.length;
    const prev = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!prev) break;
    runId = prev;
  }
  return total;
}

/** One design's lock loop: the mutex workflow's id, and a requester workflow running `cycles` cycles. */
interface Design {
  mutexId: (resourceId: string) => string;
  start: (client: Client, taskQueue: string, resourceId: string) => Promise<unknown>;
  requester: (
    client: Client,
    taskQueue: string,
    resourceId: string,
    id: string,
    cycles: number,
  ) => Promise<unknown>;
}

const ours: Design = {
  mutexId: mutexWorkflowId,
  start: (client, taskQueue, resourceId) => startMutex(client, taskQueue, resourceId),
  requester: (client, taskQueue, resourceId, id, cycles) =>
    client.workflow.execute(contender, {
      taskQueue,
      workflowId: id,
      args: [{ resourceId, cycles, holdMs: 0, leaseMs: 60_000, timeoutMs: 60_000, preStarted: true }],
    }),
};

const article: Design = {
  mutexId: articleMutexId,
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

/** Events per lock cycle, marginal (25 cycles each minus 5 each), with `contenders` requesters at once. */
async function eventsPerCycle(client: Client, taskQueue: string, design: Design, contenders: number) {
  const measure = async (cycles: number) => {
    const resourceId = `hist-${contenders}x${cycles}-${randomUUID().slice(0, 6)}`;
    await design.start(client, taskQueue, resourceId);
    const ids = Array.from({ length: contenders }, (_, i) => `${resourceId}-req${i}`);
    await Promise.all(ids.map((id) => design.requester(client, taskQueue, resourceId, id, cycles)));
    await sleep(500);
    const mutexEvents = await historyEvents(client, design.mutexId(resourceId));
    const requesterEvents = (await Promise.all(ids.map((id) => historyEvents(client, id)))).reduce(
      (a, b) => a + b,
      0,
    );
    await client.workflow.getHandle(design.mutexId(resourceId)).terminate('bench done');
    return { mutexEvents, requesterEvents };
  };
  const small = await measure(5);
  const big = await measure(25);
  const cycles = 20 * contenders;
  return {
    mutex: round((big.mutexEvents - small.mutexEvents) / cycles, 2),
    requesterWithActivity: round((big.requesterEvents - small.requesterEvents) / cycles, 2),
    raw: { cycles5Each: small, cycles25Each: big },
  };
}

export const historyPart: BenchPart = {
  name: 'history',
  async run({ client, taskQueue }) {
    progress('history events per lock cycle (marginal: 25 cycles each minus 5 each; 1 and 16 requesters)');
    const rows: Record<string, unknown> = {};
    for (const [name, design] of [
      ['ours', ours],
      ['article', article],
    ] as const) {
      for (const contenders of [1, 16]) {
        const row = await eventsPerCycle(client, taskQueue, design, contenders);
        rows[`${name}-${contenders}`] = row;
        progress(
          `history ${name}, ${contenders} requesters: mutex ${row.mutex} events/cycle, requester ${row.requesterWithActivity} events/cycle`,
        );
      }
    }
    const one = rows['ours-1'] as { mutex: number; requesterWithActivity: number };
    return {
      historyEventsPerCycle: {
        mutex: one.mutex,
        requesterWithActivity: one.requesterWithActivity,
        byDesignAndRequesters: rows,
        note: 'requester = a workflow running withLock (ours) or AcquireLock/ReleaseLock (article) around one activity, mutex pre-started; the activity accounts for 3 of its events',
      },
    };
  },
};
