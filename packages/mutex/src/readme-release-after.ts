// workflows.ts: the lease goes to the activity, which releases it as its last step.
import { proxyActivities } from '@temporalio/workflow';
import { withLock, type LockLease, type ReleasedInActivity } from '@temporal-patterns/mutex';

export { mutexWorkflow } from '@temporal-patterns/mutex';

export interface PostingActivities {
  post(input: { account: string; cents: number; lease: LockLease }): Promise<ReleasedInActivity<number>>;
}

const acts = proxyActivities<PostingActivities>({ startToCloseTimeout: '1 minute' });

/** Posts under the account's lock; withLock sees the activity's release and sends no second one. */
export async function postAndHandOn(account: string, cents: number): Promise<number> {
  const posted = await withLock(`account-${account}`, { timeout: '30 seconds' }, (lease) =>
    acts.post({ account, cents, lease }),
  );
  return posted.value;
}
