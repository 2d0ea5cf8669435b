import { defineBundleTests } from '@temporal-patterns/temporal-harness/testing';

// Both workflow-safe entries: the root and the pattern kit.
defineBundleTests({
  packageDir: new URL('../../', import.meta.url),
  entries: {
    source: 'src/index.ts',
    built: 'dist/index.js',
    'pattern-kit source': 'src/pattern-kit.ts',
    'pattern-kit built': 'dist/pattern-kit.js',
  },
});
