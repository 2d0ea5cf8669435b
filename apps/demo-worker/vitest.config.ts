import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['@temporal-patterns/temporal-harness/vitest-global-setup'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
