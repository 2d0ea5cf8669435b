import { fileURLToPath } from 'node:url';
import { defineReadmeExampleTests, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { startFanout } from '../client.js';

const examplePath = fileURLToPath(new URL('../readme-example.ts', import.meta.url));
const env = useTemporalTestEnv();

defineReadmeExampleTests({ packageDir: new URL('../../', import.meta.url) });

describe('README example', () => {
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
