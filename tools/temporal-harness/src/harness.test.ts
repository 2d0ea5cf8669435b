import { Connection } from '@temporalio/client';
import { afterEach, describe, expect, it, inject } from 'vitest';
import { findExistingCli, resolveServerSource, TemporalServerUnavailableError } from './resolve-cli.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

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

  it('says what to run when nothing can be found, built or downloaded', async () => {
    delete process.env.TEMPORAL_ADDRESS;
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.PATH = '/nonexistent';
    process.env.TEMPORAL_PATTERNS_CACHE = '/nonexistent-cache';
    const cwd = process.cwd();
    process.chdir('/');
    try {
      await expect(resolveServerSource({ allowGoBuild: false, allowSdkDownload: false })).rejects.toThrow(
        /go install github.com\/temporalio\/cli\/cmd\/temporal@v1.5.1/,
      );
    } finally {
      process.chdir(cwd);
    }
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
