// Blocked-workflow memory: thousands of workflows waiting for one lock, against a worker (in its own
// process, memory sampled there) that caches at most 100 of them.
import { randomUUID } from 'node:crypto';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { mutexStateQuery } from '@temporal-patterns/mutex/definitions';
import { pool, progress, round, sleep } from '../../common.js';
import { WorkerProcess } from '../../processes.js';
import { now } from '../../store.js';
import { blockedWaiter, stuckHolder } from '../../workflows.js';
import type { BenchPart } from '../part.js';

export const memoryPart: BenchPart = {
  name: 'memory',
  async run({ client, server, bundlePath, storeUrl, params }) {
    const n = params.blocked;
    progress(`memory: ${n} workflows blocked on one lock, worker with maxCachedWorkflows 100 (own process)`);
    const taskQueue = `mem-${randomUUID().slice(0, 6)}`;
    const worker = new WorkerProcess({
      address: server.address,
      namespace: 'default',
      taskQueue,
      bundlePath,
      storeUrl,
      maxCachedWorkflows: 100,
      memoryEveryMs: 1000,
    });
    await worker.start();
    const resourceId = `mem-${randomUUID().slice(0, 6)}`;
    try {
      await client.workflow.start(stuckHolder, {
        taskQueue,
        workflowId: `${resourceId}-holder`,
        args: [resourceId, 3_600_000],
      });
      const mutex = client.workflow.getHandle(mutexWorkflowId(resourceId));
      for (let i = 0; i < 100; i++) {
        const s = await mutex.query(mutexStateQuery).catch(() => undefined);
        if (s?.holders.length) break;
        await sleep(200);
      }
      await sleep(3000);
      const mark = (label: string, queued: number) => {
        const m = worker.mem.at(-1);
        return {
          label,
          queued,
          rssMiB: m ? round(m.rss / 2 ** 20) : NaN,
          heapUsedMiB: m ? round(m.heapUsed / 2 ** 20) : NaN,
        };
      };
      const samples = [mark('holder only', 0)];
      const step = Math.max(1, Math.floor(n / 10));
      for (let started = 0; started < n; started += step) {
        await pool(
          Array.from({ length: Math.min(step, n - started) }, (_, i) => started + i),
          50,
          (i) =>
            client.workflow.start(blockedWaiter, {
              taskQueue,
              workflowId: `${resourceId}-w${i}`,
              args: [resourceId],
            }),
        );
        // Wait until the mutex has them all queued (each waiter ran its first task and signalled).
        const deadline = now() + 300_000;
        let queued = 0;
        while (now() < deadline) {
          const s = await mutex.query(mutexStateQuery).catch(() => undefined);
          queued = s?.queue.length ?? queued;
          if (queued >= started + step || queued >= n) break;
          await sleep(1000);
        }
        samples.push(mark(`${Math.min(started + step, n)} started`, queued));
        progress(
          `  memory: ${samples.at(-1)?.label}, ${queued} queued, worker RSS ${samples.at(-1)?.rssMiB} MiB, heap ${samples.at(-1)?.heapUsedMiB} MiB`,
        );
      }
      await sleep(10_000);
      samples.push(mark('10 s later', n));
      const first = samples[1] ?? samples[0];
      const last = samples.at(-1);
      return {
        blockedMemory: {
          workflows: n,
          maxCachedWorkflows: 100,
          samples,
          rssGrowthMiBFromFirstStepToEnd: last && first ? round(last.rssMiB - first.rssMiB) : NaN,
          heapGrowthMiBFromFirstStepToEnd: last && first ? round(last.heapUsedMiB - first.heapUsedMiB) : NaN,
          peakRssMiB: round(Math.max(...worker.mem.map((m) => m.rss)) / 2 ** 20),
        },
      };
    } finally {
      await worker.stop();
    }
  },
};
