import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Options } from 'tsup';

/**
 * The sources of the entries a package publishes, read from its `package.json` `exports`: each entry's
 * built ESM file `./dist/<name>.js` comes from `src/<name>.ts`. Adding an entry to `exports` is then the
 * only step to build it (and the test kit's bundle check finds it the same way).
 */
export function packageEntries(packageDir = process.cwd()): string[] {
  const { exports } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { import?: { default?: string } }>;
  };
  return Object.values(exports).flatMap((target) => {
    const built = typeof target === 'string' ? undefined : target.import?.default;
    return built === undefined ? [] : [`src/${path.basename(built, '.js')}.ts`];
  });
}

/**
 * The build every pattern package shares: every entry of the package's `exports` (the workflow-safe root,
 * `./client`, `./definitions`, …), as ESM and CJS with their type declarations. Each package's
 * `tsup.config.ts` calls it, so a change to how packages are built is made once.
 *
 * `overrides` are spread over the defaults (an `entry` list replaces the one read from `exports`).
 *
 * @example
 * // packages/<name>/tsup.config.ts
 * import { patternPackageConfig } from '../../tools/build/tsup-preset.js';
 *
 * export default patternPackageConfig();
 */
export function patternPackageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: packageEntries(),
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    // Shared chunks keep one copy of each class across entries, so instanceof works in CJS too.
    splitting: true,
    target: 'es2022',
    ...overrides,
  });
}
