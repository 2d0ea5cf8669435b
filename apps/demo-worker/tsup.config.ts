import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/workflows.ts'],
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node24',
  skipNodeModulesBundle: true,
});
