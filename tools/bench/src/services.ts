// Redis and PostgreSQL for the side-by-side numbers: installed from Debian packages when missing, started on
// loopback on free ports with data under a temp dir, stopped at the end.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@temporal-patterns/temporal-harness';
import { progress, sleep, tmpRoot } from './common.js';
import { stopChild, track } from './processes.js';

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function aptInstall(pkgs: string[]): void {
  progress(`installing ${pkgs.join(', ')} from Debian packages`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...pkgs], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`);
    await sleep(100);
  }
}

export interface Service {
  url: string;
  version: string;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () => stopChild(child, 10_000);
}

export async function startRedis(): Promise<Service> {
  if (!which('redis-server')) aptInstall(['redis-server']);
  const port = await freePort();
  const dir = path.join(tmpRoot, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    ),
  );
  await waitForPort(port, child, 'redis-server');
  const version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  return { url: `redis://127.0.0.1:${port}`, version, stop: stopper(child) };
}

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) aptInstall(['postgresql']);
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  return path.join(base, versions[0] as string, 'bin');
}

export async function startPostgres(): Promise<Service> {
  const bin = pgBin();
  const port = await freePort();
  const dir = path.join(tmpRoot, 'pgdata');
  mkdirSync(dir, { recursive: true });
  // initdb refuses to run as root: run the server as the postgres user the Debian package created.
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot
    ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    : undefined;
  const gid = asRoot
    ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    : undefined;
  if (uid !== undefined && gid !== undefined) {
    chmodSync(tmpRoot, 0o755); // let the postgres user reach its data dir
    chownSync(dir, uid, gid);
  }
  execFileSync(path.join(bin, 'initdb'), ['-D', dir, '-U', 'bench', '--auth=trust', '-E', 'UTF8'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    uid,
    gid,
    cwd: '/tmp',
  });
  const child = track(
    spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        dir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'max_connections=200',
        '-c',
        'fsync=on',
      ],
      { stdio: 'ignore', uid, gid, cwd: '/tmp' },
    ),
  );
  await waitForPort(port, child, 'postgres');
  const version = execFileSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  return { url: `postgres://bench@127.0.0.1:${port}/postgres`, version, stop: stopper(child) };
}
