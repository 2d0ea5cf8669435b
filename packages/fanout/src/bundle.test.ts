import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('workflow-safe entry', () => {
  // The source catches a bad import early; the built file is what users' workers bundle.
  it.each([
    ['source', './index.ts'],
    ['built', '../dist/index.js'],
  ])('bundles the %s entry for the workflow sandbox', async (_kind, relative) => {
    const workflowsPath = fileURLToPath(new URL(relative, import.meta.url));
    expect(existsSync(workflowsPath), `${workflowsPath} missing: run the build first`).toBe(true);
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    expect(code.length).toBeGreaterThan(1000);
    // Per-workflow module state under the reusable V8 context needs the module cache on the workflow's
    // globalThis; SDK releases without the fix for sdk-typescript #2166 lose it with webpack >= 5.108.
    expect(code).toMatch(/(const|var|let) __webpack_module_cache__ = globalThis\.__webpack_module_cache__;/);
    expect(code).not.toMatch(/(const|var|let) __webpack_module_cache__ = \{\}/);
  });
});
