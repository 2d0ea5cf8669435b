// Fan-out wall time: fanoutWorkflow against plain executeChild + Promise.all over the same children.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { progress, round } from '../../common.js';
import { now } from '../../store.js';
import type { BenchPart } from '../part.js';

type StartFanout = (c: Client, o: Record<string, unknown>) => Promise<{ result(): Promise<unknown> }>;

export const fanoutPart: BenchPart = {
  name: 'fanout',
  async run({ client, taskQueue, params }) {
    let startFanout: StartFanout | undefined;
    try {
      ({ startFanout } = (await import('@temporal-patterns/fanout/client')) as unknown as {
        startFanout: StartFanout;
      });
    } catch {
      return { fanout: { skipped: '@temporal-patterns/fanout/client not available' } };
    }
    const n = params.fanout;
    progress(`fanout: ${n} children, plain executeChild + Promise.all`);
    const t0 = now();
    await client.workflow.execute('plainFanout', {
      taskQueue,
      workflowId: `plain-${randomUUID().slice(0, 6)}`,
      args: [n, n],
    });
    const plain = now() - t0;
    progress(`fanout: plain ${round(plain / 1000, 2)} s; now fanoutWorkflow with ${n} children`);
    const t1 = now();
    const handle = await startFanout(client, {
      workflowId: `fanout-${randomUUID().slice(0, 6)}`,
      taskQueue,
      childWorkflowType: 'fanoutBenchChild',
      inputs: Array.from({ length: n }, (_, i) => `item-${i}`),
      // window + startAhead must stay within 1,900 pending children/signals per run.
      window: Math.min(n, 950),
      startAhead: Math.min(n, 950),
      childTimeout: '10 minutes',
    });
    const summary = await handle.result();
    const pattern = now() - t1;
    progress(`fanout: pattern ${round(pattern / 1000, 2)} s (×${round(pattern / plain, 2)} of plain)`);
    return {
      fanout: {
        children: n,
        plainExecuteChildSeconds: round(plain / 1000, 2),
        fanoutWorkflowSeconds: round(pattern / 1000, 2),
        ratio: round(pattern / plain, 2),
        summary: { ...(summary as Record<string, unknown>), outcomes: undefined },
      },
    };
  },
};
