import { fileURLToPath } from 'node:url';
import { defineReadmeExampleTests, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { activities, makeThumbnails } from '../readme-example.js';

const workflowsPath = fileURLToPath(new URL('../readme-workflows.ts', import.meta.url));
const env = useTemporalTestEnv();

defineReadmeExampleTests({
  packageDir: new URL('../../', import.meta.url),
  files: {
    'thumbnails.ts': 'readme-example.ts',
    'workflows.ts': 'readme-workflows.ts',
    'worker.ts': 'readme-example-worker.ts',
  },
});

describe('README example', () => {
  it('runs: fetch, resize and tag in parallel, publish joins both', async () => {
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      const result = await makeThumbnails(env.client, taskQueue, ['https://x/cat.png', 'https://x/dog.png']);
      expect(result.items.map((o) => o.output)).toEqual([
        'img-0: pixels of https://x/cat.png, 128px [cat]',
        'img-1: pixels of https://x/dog.png, 128px [other]',
      ]);
      expect(result.completed).toBe(2);
    });
  });
});
