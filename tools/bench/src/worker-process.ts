// A worker in its own process, so the fault suite can kill it for real (SIGKILL) and the memory check
// measures a worker alone. Configured by one JSON argument; writes one JSON object per line to stdout:
// {"t":"ready"}, {"t":"log",...} for workflow/activity logs, {"t":"mem",...} when memory sampling is on.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { createMutexActivities, MutexClient } from '@temporal-patterns/mutex/client';
import { StoreClient } from './store.js';
import type { BenchActivities } from './workflows.js';

export interface WorkerProcessConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Path of the workflow bundle the driver built once (bundling on every restart would take seconds). */
  bundlePath: string;
  storeUrl: string;
  maxCachedWorkflows?: number;
  /** Print process memory every this many ms. */
  memoryEveryMs?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
const out = (obj: unknown): void => void process.stdout.write(`${JSON.stringify(obj)}\n`);

Runtime.install({
  logger: new DefaultLogger('INFO', (entry: LogEntry) => {
    const meta = entry.meta ?? {};
    out({
      t: 'log',
      level: entry.level,
      message: entry.message,
      workflowId: meta.workflowId,
      signal: meta.signal,
    });
  }),
});

const store = new StoreClient(config.storeUrl);
const client = new Client({
  connection: await Connection.connect({ address: config.address }),
  namespace: config.namespace,
});
const mutex = new MutexClient(client, { taskQueue: config.taskQueue });
const activities: BenchActivities = {
  benchCriticalSection: (input) => store.criticalSection(input),
  benchCriticalSectionReleasing: ({ lease, ...section }) =>
    mutex.releaseAfter(lease, () => store.criticalSection({ ...section, fencingToken: lease.fencingToken })),
  benchSectionLockedByClient: ({ timeoutMs, ...section }) =>
    mutex.withLock(section.resourceId, { timeout: timeoutMs, lease: '1 minute' }, (lease) =>
      store.criticalSection({ ...section, fencingToken: lease.fencingToken }),
    ),
  benchStamp: async (input) => void (await store.post('/stamp', input)),
};
// The one stage of the pipeline the fault suite keeps open (it never receives an item).
const pipelineActivities = { benchPipelineStage: async () => 'done' };

const worker = await Worker.create({
  connection: await NativeConnection.connect({ address: config.address }),
  namespace: config.namespace,
  taskQueue: config.taskQueue,
  workflowBundle: { codePath: config.bundlePath },
  activities: { ...createMutexActivities(client), ...activities, ...pipelineActivities },
  maxCachedWorkflows: config.maxCachedWorkflows,
  // A killed worker's sticky queue is abandoned: fall back to the shared queue quickly.
  stickyQueueScheduleToStartTimeout: '1s',
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 200,
});

if (config.memoryEveryMs) {
  setInterval(() => {
    const m = process.memoryUsage();
    out({ t: 'mem', at: Date.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external });
  }, config.memoryEveryMs).unref();
}

const stop = (): void => worker.shutdown();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
out({ t: 'ready', pid: process.pid });
await worker.run();
store.close();
process.exit(0);
