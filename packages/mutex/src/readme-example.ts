// workflows.ts — register mutexWorkflow next to your own workflows.
import { proxyActivities } from '@temporalio/workflow';
import { withLock } from '@temporal-patterns/mutex';

export { mutexWorkflow } from '@temporal-patterns/mutex';

export interface LedgerActivities {
  /** Writes to the shared ledger; the ledger refuses tokens older than the newest it has seen. */
  appendEntry(entry: { account: string; cents: number; fencingToken: number }): Promise<void>;
}

const ledger = proxyActivities<LedgerActivities>({ startToCloseTimeout: '1 minute' });

/** Posts a payment while holding the account's lock; the lock is released even if posting fails. */
export async function postPayment(account: string, cents: number): Promise<number> {
  return withLock(`account-${account}`, { timeout: '30 seconds', lease: '2 minutes' }, async (lease) => {
    await ledger.appendEntry({ account, cents, fencingToken: lease.fencingToken });
    return lease.fencingToken;
  });
}
