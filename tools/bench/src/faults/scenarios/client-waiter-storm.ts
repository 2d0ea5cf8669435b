// Scenario 6 (full suite): a client holds a lock while many MutexClient.acquire calls wait on it. The
// holder's release and then an operator's force-release of the next holder each answer within a second,
// and every waiter is granted in turn (issue #13: a workflow takes 10 updates in flight, so waiting
// acquires must not take the slots a release needs).
import { randomUUID } from 'node:crypto';
import { MutexClient, type LockLease } from '@temporal-patterns/mutex/client';
import { sleep } from '../../common.js';
import type { TemporalStack } from '../../temporal-stack.js';
import { pollFor, within } from '../hostile.js';
import type { FaultSuite } from '../suite.js';

const scenario = 'client-waiter-storm';
const ANSWER_WITHIN_MS = 1000;

/** Runs `fn`; resolves with how long it took and what it gave (or the error, or nothing after 15 s). */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: string }> {
  const t0 = Date.now();
  try {
    const value = await within(fn(), 15_000);
    return value === undefined
      ? { ms: Date.now() - t0, error: 'no answer within 15 s' }
      : { ms: Date.now() - t0, value };
  } catch (err) {
    return { ms: Date.now() - t0, error: String(err).slice(0, 200) };
  }
}

export async function clientWaiterStorm(suite: FaultSuite, stack: TemporalStack): Promise<void> {
  try {
    await storm(suite, stack);
  } catch (err) {
    // Reported as a failed check, so the verdicts already made and the results files still come out.
    suite.checks.check(scenario, 'the storm ran to its end', false, String(err).slice(0, 300));
  }
}

async function storm({ params, checks }: FaultSuite, { client, taskQueue }: TemporalStack): Promise<void> {
  const waiters = params.clientWaiters;
  const mutex = new MutexClient(client, { taskQueue });
  const resourceId = `storm-${randomUUID().slice(0, 8)}`;
  const first = await mutex.acquire(resourceId, { timeout: '30s', lease: '5 minutes' });
  let forced!: () => void;
  const forceDone = new Promise<void>((resolve) => (forced = resolve));
  const granted: LockLease[] = [];
  // Each waiter, once granted, keeps the lock until the operator's force-release has happened, then releases.
  const acquires = Array.from({ length: waiters }, () =>
    mutex.acquire(resourceId, { timeout: '4 minutes', lease: '5 minutes' }).then(async (lease) => {
      granted.push(lease);
      await forceDone;
      await mutex.release(lease);
      return lease;
    }),
  );
  const settled = Promise.allSettled(acquires);
  // The acquires reach the mutex within a few seconds; its state is read once, for the report only (a
  // mutex busy with waiting updates may not answer queries, which is not what this scenario checks).
  await sleep(5000);
  const state = await within(
    mutex.inspect(resourceId).then(
      (st) => (st ? `${st.queue.length} waiters queued` : 'no mutex running'),
      (err: unknown) => `state unreadable (${String(err).slice(0, 80)})`,
    ),
    5000,
  );
  const release = await timed(() => mutex.release(first));
  checks.check(
    scenario,
    `with ${waiters} client acquires waiting, the holder's release answers within ${ANSWER_WITHIN_MS} ms`,
    release.value === true && release.ms <= ANSWER_WITHIN_MS,
    `${state ?? 'state unreadable in 5 s'}; release ${release.error ? `failed after ${release.ms} ms: ${release.error}` : `answered ${String(release.value)} in ${release.ms} ms`}`,
  );
  const next = await pollFor(
    () => Promise.resolve(granted.length),
    (n) => n >= 1,
    30_000,
  );
  const force = await timed(() =>
    mutex.forceRelease(resourceId, { operator: 'fault-suite', reason: 'client-waiter storm' }),
  );
  forced();
  checks.check(
    scenario,
    `with the others still waiting, an operator's force-release answers within ${ANSWER_WITHIN_MS} ms`,
    next >= 1 && (force.value?.length ?? 0) === 1 && force.ms <= ANSWER_WITHIN_MS,
    force.error
      ? `failed after ${force.ms} ms: ${force.error}`
      : `released ${force.value?.length ?? 0} holder(s) in ${force.ms} ms (${next} waiter(s) granted by then)`,
  );
  const results = await within(settled, 240_000);
  const ok = results?.filter((r) => r.status === 'fulfilled').length ?? granted.length;
  const firstError = results?.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
  const tokens = new Set(granted.map((l) => l.fencingToken));
  checks.facts[scenario] = {
    resourceId,
    waiters,
    releaseMs: release.ms,
    forceReleaseMs: force.ms,
    granted: granted.length,
  };
  checks.check(
    scenario,
    'every waiting acquire granted in turn, tokens distinct',
    ok === waiters && tokens.size === waiters,
    `${ok}/${waiters} granted${results ? '' : ' (gave up after 4 min)'}, ${tokens.size} distinct tokens` +
      (firstError ? `; first error: ${String(firstError).slice(0, 200)}` : ''),
  );
}
