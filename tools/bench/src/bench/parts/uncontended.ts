// Uncontended acquire + release from a client, for every lock system.
import { randomUUID } from 'node:crypto';
import { progress, summarize } from '../../common.js';
import type { BenchPart } from '../part.js';

export const uncontendedPart: BenchPart = {
  name: 'uncontended',
  async run({ systems, params }) {
    const rows: Record<string, unknown> = {};
    for (const system of systems) {
      if (!system.cycle) continue;
      const n = system.name.startsWith('temporal') ? params.uncontended : params.uncontendedOthers;
      const resourceId = `uncontended-${system.name}-${randomUUID().slice(0, 8)}`;
      await system.cycle(resourceId); // warm-up (creates the mutex workflow / connection paths)
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push(await system.cycle(resourceId));
      rows[system.name] = summarize(times);
      progress(`uncontended ${system.name}: p50 ${summarize(times).p50} ms over ${n} cycles`);
    }
    return { uncontendedAcquireReleaseMs: rows };
  },
};
