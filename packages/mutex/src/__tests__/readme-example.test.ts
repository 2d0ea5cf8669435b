import { fileURLToPath } from 'node:url';
import { defineReadmeExampleTests, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { createMutexActivities } from '../client.js';
import { postPayment, type LedgerActivities } from '../readme-example.js';

const examplePath = fileURLToPath(new URL('../readme-example.ts', import.meta.url));
const env = useTemporalTestEnv();

defineReadmeExampleTests({ packageDir: new URL('../../', import.meta.url) });

describe('README quick start', () => {
  it('runs: concurrent payments to one account are posted one at a time with increasing tokens', async () => {
    const entries: Array<{ account: string; cents: number; fencingToken: number }> = [];
    let newestToken = 0;
    const ledger: LedgerActivities = {
      async appendEntry(entry) {
        if (entry.fencingToken <= newestToken) throw new Error(`stale fencing token ${entry.fencingToken}`);
        newestToken = entry.fencingToken;
        entries.push(entry);
      },
    };
    const activities = { ...createMutexActivities(env.client), ...ledger };
    await env.withWorker({ workflowsPath: examplePath, activities }, async (taskQueue) => {
      const account = env.taskQueue('acct');
      const tokens = await Promise.all(
        [100, 250, -50, 75].map((cents, i) =>
          env.client.workflow.execute(postPayment, {
            taskQueue,
            workflowId: `${account}-payment-${i}`,
            args: [account, cents],
          }),
        ),
      );
      expect(entries.map((e) => e.cents).sort()).toEqual([-50, 100, 250, 75].sort());
      expect(new Set(tokens).size).toBe(4);
    });
  });
});
