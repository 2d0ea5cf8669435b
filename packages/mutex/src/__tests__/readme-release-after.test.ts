import { fileURLToPath } from 'node:url';
import { defineReadmeExampleTests, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { createMutexActivities } from '../client.js';
import { mutexWorkflowId } from '../index.js';
import { postAndHandOn } from '../readme-release-after.js';
import { postingActivities } from '../readme-release-after-activities.js';
import { releaseSenders } from './test-support.js';

const workflowsPath = fileURLToPath(new URL('../readme-release-after.ts', import.meta.url));
const env = useTemporalTestEnv();

defineReadmeExampleTests({
  packageDir: new URL('../../', import.meta.url),
  files: {
    'workflows.ts': 'readme-release-after.ts',
    'activities.ts': 'readme-release-after-activities.ts',
  },
});

describe('README: handing the lock on from the protected activity', () => {
  it('runs: three postings to one account, one at a time, each lease released by its activity alone', async () => {
    const written: number[] = [];
    const taskQueue = env.taskQueue('release-after');
    const activities = {
      ...createMutexActivities(env.client),
      ...postingActivities(env.client, taskQueue, async (_account, _cents, fencingToken) => {
        if (fencingToken <= (written.at(-1) ?? 0)) throw new Error(`stale fencing token ${fencingToken}`);
        written.push(fencingToken);
      }),
    };
    await env.withWorker({ workflowsPath, activities, taskQueue }, async () => {
      const account = env.taskQueue('acct');
      const tokens = await Promise.all(
        [100, 250, -50].map((cents, i) =>
          env.client.workflow.execute(postAndHandOn, {
            taskQueue,
            workflowId: `${account}-post-${i}`,
            args: [account, cents],
          }),
        ),
      );
      expect(new Set(tokens).size).toBe(3);
      expect([...tokens].sort((a, b) => a - b)).toEqual(written);
      // Every release came from an activity (a MutexClient), none from a workflow.
      const history = await env.client.workflow
        .getHandle(mutexWorkflowId(`account-${account}`))
        .fetchHistory();
      const senders = releaseSenders(history.events ?? []);
      expect(senders).toHaveLength(3);
      expect(senders.every((s) => s.startsWith('client-'))).toBe(true);
    });
  });
});
