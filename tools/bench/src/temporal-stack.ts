// A dev server and one worker process on a task queue of their own: what the bench and every fault
// scenario run against. Started and stopped as one, so a failed start leaves no server behind.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { connectClient, progress } from './common.js';
import { KillableServer, WorkerProcess } from './processes.js';

export interface TemporalStackOptions {
  /** Prefix of the task queue's name; a random suffix keeps runs apart. */
  queuePrefix: string;
  /** The workflow bundle the worker loads (see `bundleWorkflows`). */
  bundlePath: string;
  /** URL of the protected store the worker's activities enter. */
  storeUrl: string;
  /** Persist to this SQLite file, so the server can be killed and started again on it. Defaults to memory. */
  dbFilename?: string;
  /** When set, logs `dev server (<label>) on <address>` once the server is up. */
  label?: string;
  /** Dynamic-config values for the server (`--dynamic-config-value`). Defaults to the server's own. */
  dynamicConfig?: Record<string, string | number>;
  /** Start from the harness's latency-tuned dynamic config. Defaults to true. */
  tuned?: boolean;
}

export interface TemporalStack {
  server: KillableServer;
  client: Client;
  taskQueue: string;
  worker: WorkerProcess;
  /** Stops the worker, then the server. */
  stop(): Promise<void>;
}

/** Starts a dev server, connects a client and starts a worker process polling a fresh task queue. */
export async function startTemporalStack(options: TemporalStackOptions): Promise<TemporalStack> {
  const server = new KillableServer({
    dbFilename: options.dbFilename,
    dynamicConfig: options.dynamicConfig,
    tuned: options.tuned,
  });
  await server.start();
  if (options.label) {
    progress(
      `dev server (${options.label}) on ${server.address}, dynamic config ${JSON.stringify(server.dynamicConfig)}`,
    );
  }
  const taskQueue = `${options.queuePrefix}-${randomUUID().slice(0, 8)}`;
  const worker = new WorkerProcess({
    address: server.address,
    namespace: server.namespace,
    taskQueue,
    bundlePath: options.bundlePath,
    storeUrl: options.storeUrl,
  });
  const stop = async (): Promise<void> => {
    await worker.stop();
    await server.stop();
  };
  try {
    const client = await connectClient(server.address);
    await worker.start();
    return { server, client, taskQueue, worker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
