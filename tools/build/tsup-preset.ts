import { defineConfig, type Options } from 'tsup';

/**
 * The build every pattern package shares: the workflow-safe entry `src/index.ts` and the client entry
 * `src/client.ts`, as ESM and CJS with their type declarations. Each package's `tsup.config.ts` calls it,
 * so a change to how packages are built is made once.
 *
 * `overrides` are spread over the defaults (an `entry` list replaces the default one).
 *
 * @example
 * // packages/<name>/tsup.config.ts
 * import { patternPackageConfig } from '../../tools/build/tsup-preset.js';
 *
 * export default patternPackageConfig();
 */
export function patternPackageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts', 'src/client.ts'],
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
