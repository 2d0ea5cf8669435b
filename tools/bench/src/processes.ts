// The child processes the bench and the fault suite start, and kill for real: Temporal dev servers and
// worker processes. Every one is tracked, so an interrupted driver leaves nothing behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import {
  findExistingCli,
  freePort,
  serverDynamicConfig,
  startDevServer,
} from '@temporal-patterns/temporal-harness';
import { here, sleep } from './common.js';
import type { WorkerProcessConfig } from './worker-process.js';

// Children this process started (servers, workers): killed if the driver itself is interrupted, so an
// aborted run leaves nothing behind.
const children = new Set<ChildProcess>();
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(130);
  });
}

const alive = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

/** SIGKILL, as on a machine crash; resolves once the child has exited. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** `temporal --version` of the CLI the bench starts its servers with, or `undefined` when none is found. */
export function temporalVersion(): string | undefined {
  const cli = findExistingCli();
  return cli ? execFileSync(cli.path, ['--version'], { encoding: 'utf8' }).trim() : undefined;
}

/** A Temporal dev server this process can kill with SIGKILL and start again on the same port and file. */
export class KillableServer {
  private child?: ChildProcess;
  readonly namespace = 'default';
  address = '';

  constructor(
    private readonly options: {
      dbFilename?: string;
      dynamicConfig?: Record<string, string | number>;
      /** Start from the harness's latency-tuned dynamic config. Defaults to true. */
      tuned?: boolean;
    } = {},
  ) {}

  /** The dynamic config the server runs with (printed beside every result). */
  get dynamicConfig(): Record<string, string | number | boolean> {
    return serverDynamicConfig(this.options);
  }

  async start(): Promise<void> {
    const cli = findExistingCli();
    if (!cli) {
      // No CLI on this machine: the harness can still start one (no SIGKILL support then).
      const server = await startDevServer({ ...this.options });
      this.address = server.address;
      this.stopHarness = server.stop;
      return;
    }
    const pinned = this.address !== '';
    for (let attempt = 1; ; attempt++) {
      if (!pinned) this.address = `127.0.0.1:${await freePort()}`;
      try {
        return await this.spawnAndWait(cli.path);
      } catch (err) {
        // The dev server also binds ports derived from its own; one can be taken (or still closing) even
        // though the main port was free. A fresh port is then enough; a pinned one (a restart) is not.
        if (pinned || attempt === 3 || this.child?.exitCode === null) throw err;
      }
    }
  }

  private async spawnAndWait(cliPath: string): Promise<void> {
    const port = this.address.split(':')[1] as string;
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', port, '--headless'];
    args.push('--namespace', this.namespace, '--log-level', 'error');
    if (this.options.dbFilename) args.push('--db-filename', this.options.dbFilename);
    for (const [k, v] of Object.entries(this.dynamicConfig)) {
      args.push('--dynamic-config-value', `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
    }
    this.child = track(spawn(cliPath, args, { stdio: 'ignore' }));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`temporal server exited with ${this.child.exitCode}`);
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: this.namespace });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  private stopHarness?: () => Promise<void>;

  get killable(): boolean {
    return this.child !== undefined;
  }

  /** The server's process id, when this process started it (for CPU readings). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL: no shutdown, whatever SQLite has not committed is lost. */
  kill(): Promise<void> {
    return killChild(this.child);
  }

  stop(): Promise<void> {
    if (this.stopHarness) return this.stopHarness();
    return stopChild(this.child, 10_000);
  }
}

export interface WorkerLog {
  level: string;
  message: string;
  workflowId?: string;
  signal?: string;
}

export interface MemSample {
  at: number;
  rss: number;
  heapUsed: number;
  external: number;
}

/** A worker child process (tools/bench/src/worker-process.ts run with tsx). */
export class WorkerProcess {
  private child?: ChildProcess;
  readonly logs: WorkerLog[] = [];
  readonly mem: MemSample[] = [];
  starts = 0;

  constructor(readonly config: WorkerProcessConfig) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return alive(this.child);
  }

  /** Starts the process and resolves once its worker is polling. */
  async start(): Promise<void> {
    const child = track(
      spawn(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'worker-process.ts'), JSON.stringify(this.config)],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
    this.child = child;
    this.starts++;
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) =>
        reject(new Error(`worker exited (${code ?? signal}) before ready: ${stderr}`)),
      );
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (msg.t === 'ready') resolve();
        else if (msg.t === 'log') this.logs.push(msg as unknown as WorkerLog);
        else if (msg.t === 'mem') this.mem.push(msg as unknown as MemSample);
      });
    });
    await ready;
  }

  /** SIGKILL: the worker dies mid-task, as on a machine crash. */
  kill(): Promise<void> {
    return killChild(this.child);
  }

  stop(): Promise<void> {
    return stopChild(this.child, 15_000);
  }
}
