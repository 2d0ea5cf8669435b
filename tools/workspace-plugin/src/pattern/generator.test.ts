import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from '@temporal-patterns/temporal-harness/vitest-global-setup';
import { describe, expect, inject, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  // The nested tools must not think they run inside this vitest process.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
  return execFileSync(command, args, {
    cwd,
    env: { ...clean, NX_DAEMON: 'false', ...env },
    encoding: 'utf8',
    stdio: 'pipe',
  });
}

describe('pattern generator', () => {
  it('scaffolds a package that Nx picks up and that builds and passes its tests on the server', () => {
    const name = `gen-check-${Math.random().toString(36).slice(2, 8)}`;
    const dir = path.join(root, 'packages', name);
    const changeset = path.join(root, '.changeset', `${name}-first-release.md`);
    try {
      const output = run(
        'npx',
        ['nx', 'g', '@temporal-patterns/tools:pattern', name, '--no-interactive'],
        root,
      );
      expect(output).toContain(`Created @temporal-patterns/${name}`);
      for (const file of [
        'package.json',
        'README.md',
        'LICENSE',
        'src/index.ts',
        'src/client.ts',
        `src/${name}-workflow.test.ts`,
        'src/bundle.test.ts',
      ]) {
        expect(existsSync(path.join(dir, file)), file).toBe(true);
      }
      expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))).toMatchObject({
        repository: { directory: `packages/${name}` },
        keywords: expect.arrayContaining([name, 'temporal', 'temporalio']),
        engines: { node: '>=20' },
        publishConfig: { access: 'public', provenance: true },
      });
      expect(readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toBe(
        readFileSync(path.join(root, 'LICENSE'), 'utf8'),
      );
      expect(readFileSync(changeset, 'utf8')).toContain(`'@temporal-patterns/${name}': minor`);
      expect(run('npx', ['nx', 'show', 'projects'], root).split('\n')).toContain(
        `@temporal-patterns/${name}`,
      );

      run('npx', ['tsup'], dir);
      const report = path.join(mkdtempSync(path.join(os.tmpdir(), 'gen-check-')), 'report.json');
      run('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${report}`], dir, {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      });
      const results = JSON.parse(readFileSync(report, 'utf8')) as {
        numPassedTests: number;
        numFailedTests: number;
      };
      expect(results).toMatchObject({ numPassedTests: 4, numFailedTests: 0 });
      run('npx', ['tsc', '--noEmit', '-p', dir], root);
      run('npx', ['eslint', path.join(dir, 'src')], root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(changeset, { force: true });
    }
  });

  it('refuses a name that is not kebab-case', () => {
    expect(() =>
      run('npx', ['nx', 'g', '@temporal-patterns/tools:pattern', 'Bad_Name', '--no-interactive'], root),
    ).toThrow(/must be kebab-case/);
  });
});
