// History events per lock cycle, marginal: a requester taking the lock 25 times minus one taking it 5 times.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { progress, round, sleep } from '../../common.js';
import { startMutex } from '../../start-mutex.js';
import { contender } from '../../workflows.js';
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

export const historyPart: BenchPart = {
  name: 'history',
  async run({ client, taskQueue }) {
    progress('history events per lock cycle (marginal: 25 cycles minus 5 cycles, one requester)');
    const measure = async (cycles: number) => {
      const resourceId = `hist-${cycles}-${randomUUID().slice(0, 6)}`;
      await startMutex(client, taskQueue, resourceId);
      const id = `${resourceId}-req`;
      await client.workflow.execute(contender, {
        taskQueue,
        workflowId: id,
        args: [{ resourceId, cycles, holdMs: 0, leaseMs: 60_000, timeoutMs: 60_000, preStarted: true }],
      });
      await sleep(500);
      const mutexEvents = await historyEvents(client, mutexWorkflowId(resourceId));
      const requesterEvents = await historyEvents(client, id);
      await client.workflow.getHandle(mutexWorkflowId(resourceId)).terminate('bench done');
      return { mutexEvents, requesterEvents };
    };
    const small = await measure(5);
    const big = await measure(25);
    const perCycle = {
      mutex: round((big.mutexEvents - small.mutexEvents) / 20, 2),
      requesterWithActivity: round((big.requesterEvents - small.requesterEvents) / 20, 2),
    };
    progress(
      `history: mutex ${perCycle.mutex} events/cycle, requester ${perCycle.requesterWithActivity} events/cycle`,
    );
    return {
      historyEventsPerCycle: {
        ...perCycle,
        note: 'requester = a workflow running withLock around one activity, plain-signal requests (mutex pre-started); the activity accounts for 3 of its events',
        raw: { cycles5: small, cycles25: big },
      },
    };
  },
};
