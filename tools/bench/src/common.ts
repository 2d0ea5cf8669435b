// Shared plumbing of the bench and the fault suite: servers, worker processes, the workflow bundle, stats.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import {
  connectOrExplain,
  findExistingCli,
  freePort,
  startDevServer,
} from '@temporal-patterns/temporal-harness';
import type { WorkerProcessConfig } from './worker-process.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'tp-bench-'));

/** Where the bench and the fault suite write their results: tools/bench/results. */
export const resultsDir = path.join(here, '..', 'results');

/** Writes one results file (`name` with its extension) under tools/bench/results; returns its path. */
export function writeResult(name: string, content: string): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, name);
  writeFileSync(file, content);
  return file;
}

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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function progress(line: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** Bundles tools/bench/src/workflows.ts once; workers load the file (restarts then take well under a second). */
export async function bundleWorkflows(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(here, 'workflows.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never,
  });
  const file = path.join(tmpRoot, 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

/** A Temporal dev server this process can kill with SIGKILL and start again on the same port and file. */
export class KillableServer {
  private child?: ChildProcess;
  readonly namespace = 'default';
  address = '';

  constructor(
    private readonly options: { dbFilename?: string; dynamicConfig?: Record<string, string | number> } = {},
  ) {}

  async start(): Promise<void> {
    const cli = findExistingCli();
    if (!cli) {
      // No CLI on this machine: the harness can still start one (no SIGKILL support then).
      const server = await startDevServer({ dbFilename: this.options.dbFilename });
      this.address = server.address;
      this.stopHarness = server.stop;
      return;
    }
    if (!this.address) this.address = `127.0.0.1:${await freePort()}`;
    const port = this.address.split(':')[1] as string;
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', port, '--headless'];
    args.push('--namespace', this.namespace, '--log-level', 'error');
    if (this.options.dbFilename) args.push('--db-filename', this.options.dbFilename);
    for (const [k, v] of Object.entries(this.options.dynamicConfig ?? {})) {
      args.push('--dynamic-config-value', `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
    }
    this.child = track(spawn(cli.path, args, { stdio: 'ignore' }));
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

  /** SIGKILL: no shutdown, whatever SQLite has not committed is lost. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.stopHarness) return this.stopHarness();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function connectClient(address: string, namespace = 'default'): Promise<Client> {
  const connection = await connectOrExplain(address, () => Connection.connect({ address }));
  return new Client({ connection, namespace });
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
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
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
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** `x` rounded to `digits` decimals. */
export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function summarize(values: number[]): {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted[sorted.length - 1] ?? NaN),
  };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return results;
}

/** Describes the machine and its load, for the results files. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model,
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage1m5m15m: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
