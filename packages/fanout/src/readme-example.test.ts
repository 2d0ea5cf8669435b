import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startFanout } from './client.js';

const examplePath = fileURLToPath(new URL('./readme-example.ts', import.meta.url));
const workerPath = fileURLToPath(new URL('./readme-example-worker.ts', import.meta.url));
const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const env = useTemporalTestEnv();

describe('README example', () => {
  it('is the code the README shows', () => {
    expect(readme).toContain(readFileSync(examplePath, 'utf8').trim());
  });

  it('shows the worker the release check runs, importing workflows.ts as the README names them', () => {
    const worker = readFileSync(workerPath, 'utf8')
      .trim()
      .replaceAll("'./readme-example.js'", "'./workflows.js'");
    expect(readme).toContain(worker);
  });

  it('runs: one thumbnail child per photo, five at a time, results in photo order', async () => {
    const activities = {
      async makeThumbnail(photoUri: string) {
        return { uri: photoUri.replace('/photos/', '/thumbnails/'), bytes: 1000 };
      },
    };
    await env.withWorker({ workflowsPath: examplePath, activities }, async (taskQueue) => {
      const photoUris = Array.from({ length: 12 }, (_, i) => `s3://bucket/photos/${i}.jpg`);
      // As in the README's client snippet.
      const handle = await startFanout(env.client, {
        workflowId: env.taskQueue('thumbnails'),
        taskQueue,
        childWorkflowType: 'thumbnailChild',
        inputs: photoUris,
        window: 5,
        childTimeout: '5 minutes',
      });
      const summary = await handle.result();
      expect(summary.status).toBe('completed');
      expect(summary.done).toBe(12);
      expect(summary.valueSum).toBe(12_000);
      expect(summary.outcomes.map((o) => o.resultRef)).toEqual(
        photoUris.map((uri) => uri.replace('/photos/', '/thumbnails/')),
      );
    });
  });
});
