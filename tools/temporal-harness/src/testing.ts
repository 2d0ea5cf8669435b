import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
  type WorkerOptions,
} from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { bundleOnce } from './bundle-once.js';
import { connectOrExplain, connectionOptions, endpointFromEnv, type ServerEndpoint } from './endpoint.js';

export { bundleOnce } from './bundle-once.js';
export * from './history-replay.js';
export * from './package-checks.js';
export * from './poll-until.js';
export { shuffled } from './shuffled.js';

export interface TestEnvOptions {
  /** Minimum level printed to the console. Defaults to WARN. Every entry is kept in `logs` regardless. */
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export interface TestWorkerOptions extends Partial<
  Omit<WorkerOptions, 'connection' | 'namespace' | 'workflowBundle'>
> {
  /** Task queue; defaults to a fresh one so tests never share a queue. */
  taskQueue?: string;
}

/** A worker running in the background for a test; `stop` shuts it down and waits. */
export interface RunningTestWorker {
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Connections to the run's Temporal server and helpers to run workers on task queues of their own. */
export class TemporalTestEnv {
  /** Every log entry from workflows, activities and workers in this test file. */
  readonly logs: LogEntry[] = [];
  private state?: {
    client: Client;
    connection: Connection;
    native: NativeConnection;
    endpoint: ServerEndpoint;
  };

  constructor(private readonly options: TestEnvOptions = {}) {}

  /** @internal called from `beforeAll` */
  async open(): Promise<void> {
    this.installRuntime();
    const endpoint = endpointFromEnv() ?? {
      address: inject('temporalAddress'),
      namespace: inject('temporalNamespace'),
    };
    const options = connectionOptions(endpoint);
    const connection = await connectOrExplain(endpoint.address, () => Connection.connect(options));
    const native = await connectOrExplain(endpoint.address, () => NativeConnection.connect(options));
    const client = new Client({ connection, namespace: endpoint.namespace });
    this.state = { client, connection, native, endpoint };
  }

  /** @internal called from `afterAll` */
  async close(): Promise<void> {
    if (!this.state) return;
    await this.state.connection.close();
    await this.state.native.close();
    this.state = undefined;
  }

  private installRuntime(): void {
    const threshold = levels.indexOf(this.options.logLevel ?? 'WARN');
    const logs = this.logs;
    const logger = new DefaultLogger('TRACE', (entry) => {
      logs.push(entry);
      if (levels.indexOf(entry.level) >= threshold) {
        process.stderr.write(`[${entry.level}] ${entry.message} ${JSON.stringify(entry.meta ?? {})}\n`);
      }
    });
    try {
      Runtime.install({ logger });
    } catch {
      // Already installed in this process by an earlier env: keep that one.
    }
  }

  private get ready() {
    if (!this.state)
      throw new Error('TemporalTestEnv is used before beforeAll ran (call useTemporalTestEnv at file level)');
    return this.state;
  }

  get client(): Client {
    return this.ready.client;
  }

  get nativeConnection(): NativeConnection {
    return this.ready.native;
  }

  get namespace(): string {
    return this.ready.endpoint.namespace;
  }

  /** A task queue name no other test uses. */
  taskQueue(prefix = 'test'): string {
    return `${prefix}-${randomUUID().slice(0, 8)}`;
  }

  /** Starts a worker in the background; pair with `stop()` in a `finally`. */
  async startWorker(options: TestWorkerOptions): Promise<RunningTestWorker> {
    const { workflowsPath, taskQueue = this.taskQueue(), ...rest } = options;
    const worker = await Worker.create({
      connection: this.nativeConnection,
      namespace: this.namespace,
      taskQueue,
      shutdownGraceTime: '1s',
      ...rest,
      ...(workflowsPath ? { workflowBundle: await bundleOnce(workflowsPath) } : {}),
    });
    const running = worker.run();
    return {
      worker,
      taskQueue,
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
  }

  /** Runs `fn` while a worker polls a task queue of its own, then shuts the worker down. */
  async withWorker<T>(options: TestWorkerOptions, fn: (taskQueue: string) => Promise<T>): Promise<T> {
    const running = await this.startWorker(options);
    try {
      return await fn(running.taskQueue);
    } finally {
      await running.stop();
    }
  }

  /** Log entries whose message contains `text`. */
  logsMatching(text: string): LogEntry[] {
    return this.logs.filter((entry) => entry.message.includes(text));
  }
}

/**
 * Connects to the test run's server in `beforeAll` and closes in `afterAll`.
 *
 * @example
 * const env = useTemporalTestEnv();
 * it('runs', () => env.withWorker({ workflowsPath }, async (taskQueue) => { ... }));
 */
export function useTemporalTestEnv(options?: TestEnvOptions): TemporalTestEnv {
  const env = new TemporalTestEnv(options);
  beforeAll(() => env.open(), 60_000);
  afterAll(() => env.close());
  return env;
}
