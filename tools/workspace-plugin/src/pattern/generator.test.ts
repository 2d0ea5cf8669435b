import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import type {} from '@temporal-patterns/temporal-harness/vitest-global-setup';
import { describe, expect, inject, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const readmePath = path.join(root, 'README.md');

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  // The nested tools must not think they run inside this vitest process or this Nx task. The nested Nx
  // reads the workspace's cache, so the packages it depends on, already built, are left as they are
  // while other tests of the run import them.
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(VITEST|NX_TASK_|NX_TERMINAL_|NX_STREAM_OUTPUT|NX_PREFIX_OUTPUT|NX_SKIP_NX_CACHE)/.test(key),
    ),
  );
  try {
    return execFileSync(command, args, {
      cwd,
      env: { ...clean, NX_DAEMON: 'false', ...env },
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err });
  }
}

/** Takes the generator's row out of the root README again, leaving every other line as it is now. */
function removeReadmeRow(name: string): void {
  const readme = readFileSync(readmePath, 'utf8');
  const kept = readme.split('\n').filter((line) => !line.includes(`](packages/${name})`));
  if (kept.join('\n') !== readme) writeFileSync(readmePath, kept.join('\n'));
}

describe('pattern generator', () => {
  it('scaffolds the shape CONTRIBUTING describes, lists it in the README, and Nx builds, tests, typechecks and lints it green', () => {
    // Short, so the README table keeps its column widths and the cleanup leaves it byte for byte.
    const name = `gen-${Math.random().toString(36).slice(2, 8)}`;
    const project = `@temporal-patterns/${name}`;
    const dir = path.join(root, 'packages', name);
    const changeset = path.join(root, '.changeset', `${name}-first-release.md`);
    try {
      const output = run(
        'npx',
        ['nx', 'g', '@temporal-patterns/tools:pattern', name, '--no-interactive'],
        root,
      );
      expect(output).toContain(`Created ${project}`);
      for (const file of [
        'package.json',
        'README.md',
        'LICENSE',
        'client/package.json',
        'definitions/package.json',
        'tsconfig.json',
        'tsup.config.ts',
        'vitest.config.ts',
        'src/index.ts',
        'src/client.ts',
        'src/definitions.ts',
        'src/definitions.test.ts',
        'src/errors.ts',
        `src/${name}-workflow.ts`,
        `src/${name}-workflow.test.ts`,
        'src/readme-example.ts',
        'src/readme-example-worker.ts',
        `src/__histories__/${name}-workflow.pb`,
        'src/__histories__/workflow-ids.json',
        'src/__tests__/bundle.test.ts',
        'src/__tests__/histories.test.ts',
        'src/__tests__/readme-example.test.ts',
      ]) {
        expect(existsSync(path.join(dir, file)), file).toBe(true);
      }
      const source = (file: string) => readFileSync(path.join(dir, file), 'utf8');
      expect(JSON.parse(source('package.json'))).toMatchObject({
        repository: { directory: `packages/${name}` },
        keywords: expect.arrayContaining([name, 'temporal', 'temporalio']),
        engines: { node: '>=20' },
        publishConfig: { access: 'public', provenance: true },
        scripts: { test: expect.stringMatching(new RegExp(`^nx run ${project}:test `)) },
        nx: { targets: { test: { command: 'vitest run' } } },
      });
      expect(JSON.parse(source('package.json')).scripts).not.toHaveProperty('pretest');
      expect(source('src/client.ts')).toContain("export * from './index.js';");
      expect(source('src/definitions.ts')).toMatch(
        new RegExp(
          `export const gen[A-Z0-9]\\w*RequestSignal = defineTypedSignal<.*>\\(\\s*'${name}\\.request'`,
        ),
      );
      expect(source('src/errors.ts')).toMatch(/extends PatternFailure/);
      expect(source('vitest.config.ts').trim()).toBe(
        "export { default } from '@temporal-patterns/temporal-harness/vitest-preset';",
      );
      expect(source('tsup.config.ts')).toContain('patternPackageConfig()');
      expect(source('LICENSE')).toBe(readFileSync(path.join(root, 'LICENSE'), 'utf8'));
      expect(readFileSync(changeset, 'utf8')).toContain(`'${project}': minor`);

      // The root README's package table gets a row, padded like the others.
      const lines = readFileSync(readmePath, 'utf8').split('\n');
      const rowIndex = lines.findIndex((line) => line.includes(`](packages/${name})`));
      const row = lines[rowIndex] ?? '';
      expect(row).toMatch(
        new RegExp(
          `^\\| \\[\`${project}\`\\]\\(packages/${name}\\) +\\| a ${name.replace('-', ' ')} coordination pattern for Temporal workflows +\\|$`,
        ),
      );
      expect(lines[rowIndex - 1]).toMatch(/^\| \[`@temporal-patterns\//);
      expect(row.length).toBe(lines[rowIndex - 1]!.length);

      expect(run('npx', ['nx', 'show', 'projects'], root).split('\n')).toContain(project);
      const nx = stripVTControlCharacters(
        run(
          'npx',
          [
            'nx',
            'run-many',
            '-t',
            'build',
            'test',
            'typecheck',
            'lint',
            `--projects=${project}`,
            '--output-style=static',
          ],
          root,
          { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') },
        ),
      );
      expect(nx).toContain(`Successfully ran targets build, test, typecheck, lint for project ${project}`);
      // definitions 2, workflow 3, README example 3, bundle 4 (root and ./definitions, source and built), histories 1 (the recording test is skipped).
      expect(nx).toMatch(/Tests +13 passed \| 1 skipped \(14\)/);
      run('npx', ['prettier', '--check', dir], root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(changeset, { force: true });
      removeReadmeRow(name);
    }
  }, 600_000);

  it('refuses a name that is not kebab-case', () => {
    expect(() =>
      run('npx', ['nx', 'g', '@temporal-patterns/tools:pattern', 'Bad_Name', '--no-interactive'], root),
    ).toThrow(/must be kebab-case/);
  });
});
