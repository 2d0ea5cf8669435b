import { defineConfig } from 'vitest/config';

// `npm test` at the root runs every project in one vitest process, so one Temporal server serves them all.
export default defineConfig({
  test: {
    projects: ['tools/*/vitest.config.ts', 'packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
