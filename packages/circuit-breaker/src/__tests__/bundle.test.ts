import { defineBundleTests } from '@temporal-patterns/temporal-harness/testing';

// Both workflow-safe entries: the root and the wire definitions.
defineBundleTests({
  packageDir: new URL('../../', import.meta.url),
  entries: {
    source: 'src/index.ts',
    built: 'dist/index.js',
    'definitions source': 'src/definitions.ts',
    'definitions built': 'dist/definitions.js',
  },
});
