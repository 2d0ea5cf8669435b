import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectOrExplain, connectionOptions, endpointFromEnv, type ServerEndpoint } from './endpoint.js';
import { noServerHelp, resolveServerSource, type ResolveOptions, type ServerSource } from './resolve-cli.js';

/** A server the harness started, or an existing one it was pointed at. */
export interface RunningServer extends ServerEndpoint {
  /** Where the server came from (useful in logs). */
  source: ServerSource;
  /** The Web UI, when the harness started one. */
  uiUrl?: string;
  /** Stops a server the harness started; does nothing for an existing one. */
  stop(): Promise<void>;
}

export interface DevServerOptions extends ResolveOptions {
  /** Persist to this SQLite file instead of memory. Defaults to in-memory. */
  dbFilename?: string;
  /** Serve the Web UI. Defaults to false. */
  ui?: boolean;
  /** Frontend gRPC port. Defaults to a free port. */
  port?: number;
  /** Web UI port. Defaults to a free port when `ui` is true. */
  uiPort?: number;
  /** Namespace registered on start. Defaults to `default`. */
  namespace?: string;
  /**
   * Dynamic-config values, e.g. `{ 'limit.historyCount.suggestContinueAsNew': 200 }`, over
   * {@link LATENCY_TUNED_DYNAMIC_CONFIG} (unless `tuned` is false).
   */
  dynamicConfig?: Record<string, string | number | boolean>;
  /**
   * Start from {@link LATENCY_TUNED_DYNAMIC_CONFIG}, so signals between workflows and task dispatch are
   * not held to the dev server's 50 ms polling grid. Defaults to true; false gives the server's defaults.
   */
  tuned?: boolean;
  /** Server log level. Defaults to `error`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * How long to wait for the server to answer. Defaults to 60 seconds for a server the harness
   * starts and 10 seconds for an existing one.
   */
  readyTimeoutMs?: number;
}

/**
 * The dev server has one history shard whose transfer queue (signals between workflows, workflow and
 * activity task dispatch) is polled at most 20 times a second by default, so every such hop waits for a
 * 50 ms tick: a workflow-to-workflow signal relay takes ~250 ms. Measured on 2 cores
 * (tools/bench/results/server-tuning.md): 100 polls/s brings the relay to ~43 ms, 200 and above to
 * 31–40 ms (no further gain), and neither idle CPU (0.2–0.4% of a core) nor CPU per round trip changes
 * with the value. 500 keeps the gain with headroom for bursts. A production cluster has many shards and
 * never shows this grid; tests, the demo and the bench should not either.
 */
export const LATENCY_TUNED_DYNAMIC_CONFIG: Readonly<Record<string, number>> = {
  'history.transferProcessorMaxPollRPS': 500,
};

/** The dynamic config a server starts with: the tuned values (unless `tuned` is false), then `dynamicConfig`. */
export function serverDynamicConfig(options: Pick<DevServerOptions, 'dynamicConfig' | 'tuned'> = {}) {
  return { ...(options.tuned === false ? {} : LATENCY_TUNED_DYNAMIC_CONFIG), ...options.dynamicConfig };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function dynamicConfigArgs(values: DevServerOptions['dynamicConfig'] = {}): string[] {
  return Object.entries(values).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
  ]);
}

async function waitUntilServing(
  address: string,
  namespace: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`temporal server exited with code ${child.exitCode} before serving:\n${output()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal server at ${address} did not serve within ${timeoutMs} ms: ${String(lastError)}`);
}

async function startCliServer(
  cliPath: string,
  source: ServerSource,
  options: DevServerOptions,
): Promise<RunningServer> {
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  args.push('--log-level', options.logLevel ?? 'error');
  let uiUrl: string | undefined;
  if (options.ui) {
    const uiPort = options.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
  } else {
    args.push('--headless');
  }
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  args.push(...dynamicConfigArgs(serverDynamicConfig(options)));

  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const recent: string[] = [];
  const keep = (chunk: Buffer): void => {
    recent.push(chunk.toString());
    if (recent.length > 50) recent.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(
      address,
      namespace,
      child,
      () => recent.join(''),
      options.readyTimeoutMs ?? 60_000,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    namespace,
    source,
    uiUrl,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startSdkDownloadedServer(options: DevServerOptions): Promise<RunningServer> {
  const namespace = options.namespace ?? 'default';
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        namespace,
        port: options.port,
        ui: options.ui ?? false,
        uiPort,
        dbFilename: options.dbFilename,
        log: { format: 'pretty', level: options.logLevel ?? 'error' },
        extraArgs: dynamicConfigArgs(serverDynamicConfig(options)),
      },
    });
  } catch (err) {
    throw new Error(`The SDK could not download a dev server (${String(err)}).\n${noServerHelp()}`, {
      cause: err,
    });
  }
  return {
    address: env.address,
    namespace,
    source: { kind: 'sdk-download' },
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

/**
 * Starts a Temporal dev server following the project's resolution order, or returns the configured
 * existing server (`TEMPORAL_ADDRESS` or a profile with an address; its `stop` does nothing) after
 * checking that it answers. An unreachable one fails with a one-line
 * `TemporalServerUnreachableError`.
 *
 * @example
 * const server = await startDevServer({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 200 } });
 * try { ... connect to server.address ... } finally { await server.stop(); }
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningServer> {
  const source = await resolveServerSource(options);
  switch (source.kind) {
    case 'existing': {
      const endpoint = endpointFromEnv() ?? { address: source.address, namespace: source.namespace };
      const connection = await connectOrExplain(endpoint.address, () =>
        Connection.connect({
          ...connectionOptions(endpoint),
          connectTimeout: options.readyTimeoutMs ?? 10_000,
        }),
      );
      await connection.close();
      return { ...endpoint, source, stop: async () => undefined };
    }
    case 'cli':
      return startCliServer(source.path, source, options);
    case 'sdk-download':
      return startSdkDownloadedServer(options);
  }
}
