import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/client.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // Shared chunks keep one copy of each class across entries, so instanceof works in CJS too.
  splitting: true,
  target: 'es2022',
});
