import { defineBundleTests } from '@temporal-patterns/temporal-harness/testing';

defineBundleTests({ packageDir: new URL('../../', import.meta.url) });
