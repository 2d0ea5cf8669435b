// History events per lock cycle, marginal: a requester taking the lock 25 times minus one taking it 5 times.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { progress, round, sleep } from '../../common.js';
import {
  articleDesign,
  historyOfChain,
  oursDesign,
  oursReleasingDesign,
  oursFastDesign,
  oursLockInActivityDesign,
  type LockDesign,
} from '../designs.js';
import type { BenchPart } from '../part.js';

const historyEvents = async (client: Client, workflowId: string): Promise<number> =>
  (await historyOfChain(client, workflowId)).length;

/** Events per lock cycle, marginal (25 cycles each minus 5 each), with `contenders` requesters at once. */
async function eventsPerCycle(client: Client, taskQueue: string, design: LockDesign, contenders: number) {
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
      ['ours', oursDesign],
      ['ours-release-in-activity', oursReleasingDesign],
      ['ours-fast', oursFastDesign],
      ['ours-lock-in-activity', oursLockInActivityDesign],
      ['article', articleDesign],
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
        note: 'requester = a workflow running withLock (ours) or AcquireLock/ReleaseLock (article) around one activity, or one activity taking the lock itself (ours-lock-in-activity), mutex pre-started; the activity accounts for 3 of its events',
      },
    };
  },
};
