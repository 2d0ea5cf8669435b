// Many lock cycles on one mutex by plain signals, past the signals-per-run limit, completed through
// continue-as-new; stopped by a time budget on a slow machine.
import { randomUUID } from 'node:crypto';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { mutexStateQuery } from '@temporal-patterns/mutex/definitions';
import { progress, round, sleep } from '../../common.js';
import { startMutex } from '../../start-mutex.js';
import { now } from '../../store.js';
import { cycler } from '../../workflows.js';
import type { BenchPart } from '../part.js';

export const cyclesPart: BenchPart = {
  name: 'cycles',
  async run({ client, taskQueue, params, cyclesBudgetS }) {
    const { cyclers, perCycler, perRun, mutexMaxEvents } = params.cycles10k;
    const total = cyclers * perCycler;
    progress(
      `${total}-cycle run on one mutex (${cyclers} requesters × ${perCycler}, plain signals: ${2 * total} signals to the mutex)`,
    );
    const resourceId = `cycles-${randomUUID().slice(0, 6)}`;
    const mutex = await startMutex(client, taskQueue, resourceId, { maxHistoryEvents: mutexMaxEvents });
    const first = await mutex.query(mutexStateQuery);
    const t0 = now();
    const handles = await Promise.all(
      Array.from({ length: cyclers }, (_, i) =>
        client.workflow.start(cycler, {
          taskQueue,
          workflowId: `${resourceId}-cycler${i}`,
          args: [{ resourceId, cycles: perCycler, cyclesPerRun: perRun }],
        }),
      ),
    );
    let finished = false;
    const all = Promise.all(handles.map((h) => h.result())).finally(() => (finished = true));
    const limit = t0 + cyclesBudgetS * 1000;
    while (!finished && now() < limit) {
      await sleep(10_000);
      const s = await client.workflow
        .getHandle(mutexWorkflowId(resourceId))
        .query(mutexStateQuery)
        .catch(() => undefined);
      if (s)
        progress(
          `  ${s.lastFencingToken - first.lastFencingToken}/${total} grants, mutex run ${s.continuedAsNew + 1}, ${round((now() - t0) / 1000, 0)} s`,
        );
    }
    if (!finished) {
      const s = await mutex.query(mutexStateQuery).catch(() => undefined);
      const grants = s ? s.lastFencingToken - first.lastFencingToken : NaN;
      const tenThousandCycles = {
        completed: false,
        note: `stopped by its time budget of ${cyclesBudgetS} s`,
        grantsCounted: grants,
        signalsToMutexAtLeast: 2 * grants,
        mutexRuns: s ? s.continuedAsNew + 1 : NaN,
        mutexStillRunning: s !== undefined,
        cyclesPerSecond: round(grants / ((now() - t0) / 1000), 1),
      };
      await Promise.all(handles.map((h) => h.terminate('bench time limit').catch(() => undefined)));
      progress('cycles: did not finish in its time budget');
      return { tenThousandCycles };
    }
    const done = await all;
    const seconds = (now() - t0) / 1000;
    const state = await mutex.query(mutexStateQuery);
    const cycles = done.reduce((a, r) => a + r.cycles, 0);
    const outOfOrder = done.reduce((a, r) => a + r.outOfOrder, 0);
    const tenThousandCycles = {
      completed: cycles === total,
      cycles,
      signalsToMutex: 2 * cycles,
      grantsCounted: state.lastFencingToken - first.lastFencingToken,
      mutexRuns: state.continuedAsNew + 1,
      tokensOutOfOrderPerRequester: outOfOrder,
      seconds: round(seconds),
      cyclesPerSecond: round(cycles / seconds, 1),
    };
    await mutex.terminate('bench done');
    progress(`cycles: ${cycles} in ${round(seconds)} s over ${state.continuedAsNew + 1} mutex runs`);
    return { tenThousandCycles };
  },
};
