// Floor: an update round trip on a trivial workflow, and a signal relay between two workflows measured
// activity to activity (the path a lock handoff takes). The mutex's handoff is read against these.
import { randomUUID } from 'node:crypto';
import { progress, summarize } from '../../common.js';
import { now } from '../../store.js';
import { echoUpdate, signalEcho, signalPinger, stopSignal, updateEcho } from '../../workflows.js';
import type { BenchPart } from '../part.js';

export const floorPart: BenchPart = {
  name: 'floor',
  async run({ client, taskQueue, store, params }) {
    progress('floor: update round trip (request in, reply out, one workflow task)');
    const id = `floor-${randomUUID().slice(0, 8)}`;
    const echo = await client.workflow.start(updateEcho, { taskQueue, workflowId: `${id}-update` });
    const updates: number[] = [];
    for (let i = 0; i < params.floorRounds; i++) {
      const t0 = now();
      await echo.executeUpdate(echoUpdate, { args: [i] });
      updates.push(now() - t0);
    }
    await echo.signal(stopSignal);
    progress('floor: signal relay between two workflows, activity to activity (the shape of a lock handoff)');
    const echoWf = await client.workflow.start(signalEcho, { taskQueue, workflowId: `${id}-echo` });
    await client.workflow.execute(signalPinger, {
      taskQueue,
      workflowId: `${id}-pinger`,
      args: [params.floorRounds],
    });
    await echoWf.signal(stopSignal);
    const stamps = store.stamps.get(`${id}-pinger`) ?? new Map<string, number>();
    const relays: number[] = [];
    for (let i = 0; i < params.floorRounds; i++) {
      const out = stamps.get(`out-${i}`);
      const back = stamps.get(`in-${i}`);
      if (out !== undefined && back !== undefined) relays.push(back - out);
    }
    progress(`floor: update p50 ${summarize(updates).p50} ms, relay p50 ${summarize(relays).p50} ms`);
    return { floor: { updateRoundTripMs: summarize(updates), signalRelayMs: summarize(relays) } };
  },
};
