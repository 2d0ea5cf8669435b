import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { activities, makeThumbnails } from './readme-example.js';

const examplePath = fileURLToPath(new URL('./readme-example.ts', import.meta.url));
const workerPath = fileURLToPath(new URL('./readme-example-worker.ts', import.meta.url));
const workflowsPath = fileURLToPath(new URL('./readme-workflows.ts', import.meta.url));
const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

const env = useTemporalTestEnv();

describe('README example', () => {
  it('is the code the README shows', () => {
    expect(readme).toContain(readFileSync(examplePath, 'utf8').trim());
    expect(readme).toContain(readFileSync(workflowsPath, 'utf8').trim());
  });

  it('shows the worker the release check runs, importing thumbnails.ts and workflows.ts as the README names them', () => {
    const worker = readFileSync(workerPath, 'utf8')
      .trim()
      .replaceAll("'./readme-example.js'", "'./thumbnails.js'")
      .replaceAll("'./readme-workflows.js'", "'./workflows.js'");
    expect(readme).toContain(worker);
  });

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
