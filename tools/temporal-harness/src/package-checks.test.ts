import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  asReadmeFile,
  defineReadmeExampleTests,
  README_EXAMPLE_FILES,
  workflowSafeEntries,
} from './package-checks.js';

describe('asReadmeFile', () => {
  it('renames sibling imports from their src names to the project files the README shows, and trims', () => {
    const worker = [
      "import { Worker } from '@temporalio/worker';",
      "import * as activities from './readme-example.js';",
      "import type { Order } from './readme-example.js';",
      "import { thumbnails } from './readme-workflows.js';",
      '',
    ].join('\n');
    expect(asReadmeFile(`\n${worker}`)).toBe(
      [
        "import { Worker } from '@temporalio/worker';",
        "import * as activities from './workflows.js';",
        "import type { Order } from './workflows.js';",
        "import { thumbnails } from './readme-workflows.js';",
      ].join('\n'),
    );
    const pipelineFiles = {
      'thumbnails.ts': 'readme-example.ts',
      'workflows.ts': 'readme-workflows.ts',
      'worker.ts': 'readme-example-worker.ts',
    };
    expect(asReadmeFile(worker, pipelineFiles)).toBe(
      [
        "import { Worker } from '@temporalio/worker';",
        "import * as activities from './thumbnails.js';",
        "import type { Order } from './thumbnails.js';",
        "import { thumbnails } from './workflows.js';",
      ].join('\n'),
    );
  });
});

// The declared tests over a package folder made here: they pass when the README holds both files as shown.
const packageDir = mkdtempSync(path.join(os.tmpdir(), 'readme-package-'));
mkdirSync(path.join(packageDir, 'src'));
writeFileSync(path.join(packageDir, 'src', README_EXAMPLE_FILES['workflows.ts']!), 'export const x = 1;\n');
writeFileSync(
  path.join(packageDir, 'src', README_EXAMPLE_FILES['worker.ts']!),
  "import { x } from './readme-example.js';\nconsole.log(x);\n",
);
writeFileSync(
  path.join(packageDir, 'README.md'),
  "```ts\nexport const x = 1;\n```\n\n```ts\nimport { x } from './workflows.js';\nconsole.log(x);\n```\n",
);
defineReadmeExampleTests({ packageDir });

describe('workflowSafeEntries', () => {
  it('lists every exported entry but the client, as source and as built', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-entries-'));
    const entry = (name: string) => ({
      import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
      require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
    });
    const exports = {
      '.': entry('index'),
      './client': entry('client'),
      './definitions': entry('definitions'),
      './package.json': './package.json',
    };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ exports }));
    expect(workflowSafeEntries(dir)).toEqual({
      source: path.join('src', 'index.ts'),
      built: path.join('dist', 'index.js'),
      'definitions source': path.join('src', 'definitions.ts'),
      'definitions built': path.join('dist', 'definitions.js'),
    });
  });

  it('finds the entries of this repository’s packages', () => {
    const pipeline = new URL('../../../packages/pipeline/', import.meta.url);
    expect(Object.keys(workflowSafeEntries(pipeline))).toEqual([
      'source',
      'built',
      'definitions source',
      'definitions built',
    ]);
  });
});
