import { defineBundleTests } from '@temporal-patterns/temporal-harness/testing';

defineBundleTests({
  packageDir: new URL('../../', import.meta.url),
  // The wire definitions are a workflow-safe entry too.
  entries: {
    source: 'src/index.ts',
    built: 'dist/index.js',
    'definitions source': 'src/definitions.ts',
    'definitions built': 'dist/definitions.js',
  },
});
