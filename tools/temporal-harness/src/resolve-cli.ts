import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import {
  CLI_MODULE,
  FALLBACK_CLI_VERSIONS,
  PINNED_CLI_VERSION,
  cachedCliDir,
  findWorkspaceRoot,
  workTreeCliPath,
} from './paths.js';

/** Where the Temporal server for this process comes from, in the order the project resolves it. */
export type ServerSource =
  | { kind: 'existing'; address: string; namespace: string }
  | { kind: 'cli'; path: string; origin: 'TEMPORAL_CLI_PATH' | 'PATH' | 'work-tree' | 'cache' | 'go-build' }
  | { kind: 'sdk-download' };

/** Thrown when no server can be found, built or downloaded; the message says what to run. */
export class TemporalServerUnavailableError extends Error {
  override readonly name = 'TemporalServerUnavailableError';
}

export interface ResolveOptions {
  /** Build the CLI with Go when none is found. Defaults to true. */
  allowGoBuild?: boolean;
  /** Fall back to the SDK's own dev-server download. Defaults to true. */
  allowSdkDownload?: boolean;
  /** Progress lines (Go build output and the choice made). Defaults to stderr. */
  log?: (line: string) => void;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[temporal-harness] ${line}\n`);
};

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Finds a `temporal` CLI without building anything: env var, PATH, the work tree, then the cache. */
export function findExistingCli(): Extract<ServerSource, { kind: 'cli' }> | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new TemporalServerUnavailableError(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file.`);
    }
    return { kind: 'cli', path: fromEnv, origin: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal');
  if (onPath) return { kind: 'cli', path: onPath, origin: 'PATH' };
  const root = findWorkspaceRoot();
  if (root && isExecutable(workTreeCliPath(root))) {
    return { kind: 'cli', path: workTreeCliPath(root), origin: 'work-tree' };
  }
  for (const version of [PINNED_CLI_VERSION, ...FALLBACK_CLI_VERSIONS]) {
    const cached = path.join(cachedCliDir(version), 'temporal');
    if (isExecutable(cached)) {
      linkIntoWorkTree(cached);
      return { kind: 'cli', path: cached, origin: 'cache' };
    }
  }
  return undefined;
}

function linkIntoWorkTree(binary: string): void {
  const root = findWorkspaceRoot();
  if (!root) return;
  const link = workTreeCliPath(root);
  if (existsSync(link)) return;
  mkdirSync(path.dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(binary, link);
}

function hasGo(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

function goInstall(version: string, log: (line: string) => void): Promise<string> {
  const gobin = cachedCliDir(version);
  mkdirSync(gobin, { recursive: true });
  const started = Date.now();
  log(`building Temporal CLI ${version} with Go into ${gobin} (several minutes the first time)`);
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['install', '-v', `${CLI_MODULE}@${version}`], {
      env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let compiled = 0;
    const tail: string[] = [];
    const onLine = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (line.startsWith('go: downloading')) continue;
        compiled += 1;
        if (compiled % 100 === 0) log(`  ${compiled} packages compiled (${elapsed(started)}) ... ${line}`);
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    const ticker = setInterval(
      () => log(`  still building (${elapsed(started)}, ${compiled} packages)`),
      30_000,
    );
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      const binary = path.join(gobin, 'temporal');
      if (code === 0 && isExecutable(binary)) {
        log(`built Temporal CLI ${version} in ${elapsed(started)}`);
        resolve(binary);
      } else {
        reject(new Error(`go install ${CLI_MODULE}@${version} exited ${code}:\n${tail.join('\n')}`));
      }
    });
  });
}

function elapsed(since: number): string {
  return `${Math.round((Date.now() - since) / 1000)}s`;
}

/** Builds the CLI with Go, trying the pinned tag then the older ones; returns undefined without Go. */
export async function buildCliWithGo(log: (line: string) => void = defaultLog): Promise<string | undefined> {
  if (!hasGo()) return undefined;
  const failures: string[] = [];
  for (const version of [PINNED_CLI_VERSION, ...FALLBACK_CLI_VERSIONS]) {
    try {
      const binary = await goInstall(version, log);
      linkIntoWorkTree(binary);
      return binary;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push(`${version}: ${message}`);
      log(`go install of ${version} failed; trying the next tag`);
    }
  }
  throw new TemporalServerUnavailableError(
    `Every go install of the Temporal CLI failed:\n${failures.join('\n\n')}`,
  );
}

/**
 * Resolves the server in the project's one order: `TEMPORAL_ADDRESS` → an existing CLI
 * (`TEMPORAL_CLI_PATH`, `PATH`, `.temporal/bin`, the cache) → build it with Go → the SDK's download.
 */
export async function resolveServerSource(options: ResolveOptions = {}): Promise<ServerSource> {
  const log = options.log ?? defaultLog;
  const address = process.env.TEMPORAL_ADDRESS;
  if (address) {
    return { kind: 'existing', address, namespace: process.env.TEMPORAL_NAMESPACE || 'default' };
  }
  const existing = findExistingCli();
  if (existing) return existing;
  if (options.allowGoBuild !== false) {
    const built = await buildCliWithGo(log);
    if (built) return { kind: 'cli', path: built, origin: 'go-build' };
    log('Go is not installed; cannot build the Temporal CLI');
  }
  if (options.allowSdkDownload !== false) {
    log("falling back to the Temporal SDK's own dev-server download (needs internet access)");
    return { kind: 'sdk-download' };
  }
  throw new TemporalServerUnavailableError(noServerHelp());
}

/** What to run when no server can be had. */
export function noServerHelp(): string {
  return [
    'No Temporal server is available. Do one of:',
    `  - build the CLI with Go:  GOBIN="$PWD/.temporal/bin" go install ${CLI_MODULE}@${PINNED_CLI_VERSION}`,
    '    (install Go first, e.g. `apt-get install golang-go`, if `go` is missing)',
    '  - point at a CLI you have:  export TEMPORAL_CLI_PATH=/path/to/temporal',
    '  - use a running server:     export TEMPORAL_ADDRESS=host:7233 [TEMPORAL_NAMESPACE=...]',
  ].join('\n');
}
