// activities.ts: the protected write, then the release, from the activity.
import type { Client } from '@temporalio/client';
import { MutexClient } from '@temporal-patterns/mutex/client';
import type { PostingActivities } from './readme-release-after.js';

/** `write` stands in for your ledger: it is given the fencing token, and refuses stale ones. */
export function postingActivities(
  client: Client,
  taskQueue: string,
  write: (account: string, cents: number, fencingToken: number) => Promise<void>,
): PostingActivities {
  const mutex = new MutexClient(client, { taskQueue });
  return {
    post: ({ account, cents, lease }) =>
      mutex.releaseAfter(lease, async () => {
        await write(account, cents, lease.fencingToken);
        return lease.fencingToken;
      }),
  };
}
