import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const asPath = (location: string | URL): string =>
  location instanceof URL || location.startsWith('file:') ? fileURLToPath(location) : location;

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Options for {@link defineBundleTests}. */
export interface BundleTestOptions {
  /** The package folder, holding `package.json`, the sources in `src/` and, once built, `dist/`. */
  packageDir: string | URL;
  /**
   * The files to bundle, by kind, relative to `packageDir`. Defaults to {@link workflowSafeEntries}: every
   * entry of the package's `exports` but `./client`, as source and as built.
   */
  entries?: Record<string, string>;
}

/**
 * The workflow-safe entries a package publishes: every `exports` entry except `./client` (client code)
 * and `./package.json`, each as its source (`src/<name>.ts`) and its built ESM file, by kind (`source`,
 * `built`, `definitions source`, …). A new entry is then checked without anyone listing it.
 */
export function workflowSafeEntries(packageDir: string | URL): Record<string, string> {
  const dir = asPath(packageDir);
  const { exports } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { import?: { default?: string } }>;
  };
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(exports)) {
    if (subpath === './client' || subpath === './package.json' || typeof target === 'string') continue;
    const built = target.import?.default;
    if (built === undefined) continue;
    const prefix = subpath === '.' ? '' : `${subpath.slice(2)} `;
    entries[`${prefix}source`] = path.join('src', `${path.basename(built, '.js')}.ts`);
    entries[`${prefix}built`] = path.normalize(built);
  }
  return entries;
}

/**
 * Declares the `workflow-safe entry` tests: each workflow-safe entry of the package, as source and as
 * built, goes through the SDK's own bundler for the workflow sandbox. A Node built-in or client import in
 * workflow code then fails CI instead of a user's worker. The built entry must exist: build before testing
 * (Nx does).
 *
 * @example
 * defineBundleTests({ packageDir: new URL('../../', import.meta.url) });
 */
export function defineBundleTests(options: BundleTestOptions): void {
  const dir = asPath(options.packageDir);
  const entries = options.entries ?? workflowSafeEntries(dir);
  describe('workflow-safe entry', () => {
    // The source catches a bad import early; the built file is what users' workers bundle.
    it.each(Object.entries(entries))(
      'bundles the %s entry for the workflow sandbox',
      async (_kind, relative) => {
        const workflowsPath = path.join(dir, relative);
        expect(existsSync(workflowsPath), `${workflowsPath} missing: run the build first`).toBe(true);
        const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
        expect(code.length).toBeGreaterThan(1000);
        // Per-workflow module state under the reusable V8 context needs the module cache on the workflow's
        // globalThis; SDK releases without the fix for sdk-typescript #2166 lose it with webpack >= 5.108.
        expect(code).toMatch(
          /(const|var|let) __webpack_module_cache__ = globalThis\.__webpack_module_cache__;/,
        );
        expect(code).not.toMatch(/(const|var|let) __webpack_module_cache__ = \{\}/);
      },
    );
  });
}

/**
 * The README example as files of a user's project (project file name → file in `src`): the README shows
 * `workflows.ts` and `worker.ts`; the sources are `readme-example.ts` and `readme-example-worker.ts`.
 */
export const README_EXAMPLE_FILES: Readonly<Record<string, string>> = {
  'workflows.ts': 'readme-example.ts',
  'worker.ts': 'readme-example-worker.ts',
};

/**
 * A README example source as the README shows it: trimmed, with each sibling import renamed from its `src`
 * name to the project file name (`'./readme-example.js'` → `'./workflows.js'` with the default `files`).
 */
export function asReadmeFile(
  source: string,
  files: Readonly<Record<string, string>> = README_EXAMPLE_FILES,
): string {
  return Object.entries(files).reduce(
    (text, [projectFile, srcFile]) =>
      text.replaceAll(`'./${srcFile.replace(/\.ts$/, '.js')}'`, `'./${projectFile.replace(/\.ts$/, '.js')}'`),
    source.trim(),
  );
}

/** Options for {@link defineReadmeExampleTests}. */
export interface ReadmeExampleTestOptions {
  /** The package folder, holding `README.md` and `src`. */
  packageDir: string | URL;
  /**
   * The example's files, project file name as the README names it → file in `src`. Defaults to
   * {@link README_EXAMPLE_FILES}. The release pack check compiles and runs the same files.
   */
  files?: Readonly<Record<string, string>>;
}

/**
 * Declares the `README example` tests that keep the README honest: each example source in `src`, with its
 * sibling imports renamed as {@link asReadmeFile} does, appears verbatim in `README.md`. The test that runs
 * the example against a server stays in the package: it knows what the example should print.
 *
 * @example
 * defineReadmeExampleTests({ packageDir: new URL('../../', import.meta.url) });
 */
export function defineReadmeExampleTests(options: ReadmeExampleTestOptions): void {
  const dir = asPath(options.packageDir);
  const files = options.files ?? README_EXAMPLE_FILES;
  describe('README example', () => {
    it.each(Object.entries(files))('the README shows %s as src/%s holds it', (projectFile, srcFile) => {
      const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
      const shown = asReadmeFile(readFileSync(path.join(dir, 'src', srcFile), 'utf8'), files);
      expect(readme, `README.md shows ${projectFile} (src/${srcFile})`).toContain(shown);
    });
  });
}
