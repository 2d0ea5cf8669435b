import { defineConfig } from 'vitest/config';

/**
 * The vitest config every pattern package uses: one real Temporal server for the whole run (the global
 * setup starts it, or connects to a configured one) and timeouts that allow for a worker's first bundle
 * on a loaded machine. A package's `vitest.config.ts` re-exports it:
 *
 * @example
 * export { default } from '@temporal-patterns/temporal-harness/vitest-preset';
 *
 * A function config, so each project of a root `vitest --project` run gets objects of its own.
 */
export default defineConfig(() => ({
  test: {
    globalSetup: ['@temporal-patterns/temporal-harness/vitest-global-setup'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
}));
