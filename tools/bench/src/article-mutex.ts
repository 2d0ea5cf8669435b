// The article's signal mutex (signals-automated-article.md, MutexWorkflow + AcquireLock/ReleaseLock),
// ported as written: one loop that queues requests and signals the grant, no leases, no fencing, no
// continue-as-new, a plain unlock by workflow id. It is the baseline the bench measures ours against, not
// a product: it lives in the bench only. Its one addition is a grant counter in the grant signal, so the
// bench's protected store can check mutual exclusion the same way for both.
import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BenchActivities } from './workflows.js';

interface ArticleLockRequest {
  requesterWorkflowId: string;
  requesterRunId: string;
}

const lockRequest = defineSignal<[ArticleLockRequest]>('article.lock-request');
const unlockRequest = defineSignal<[{ requesterWorkflowId: string }]>('article.unlock-request');
const lockAcquired = defineSignal<[number]>('article.lock-acquired');

/** The article's workflow id for a resource's mutex. */
export const articleMutexId = (resourceId: string): string => `article-mutex-${resourceId}`;

/** The article's MutexWorkflow: grant to the first requester, queue the rest, hand on at each unlock. */
export async function articleMutexWorkflow(_resourceId: string): Promise<void> {
  const queue: ArticleLockRequest[] = [];
  let holder: string | undefined;
  let grants = 0;
  const grant = (req: ArticleLockRequest): void => {
    holder = req.requesterWorkflowId;
    grants += 1;
    void getExternalWorkflowHandle(req.requesterWorkflowId, req.requesterRunId).signal(lockAcquired, grants);
  };
  setHandler(lockRequest, (req) => {
    if (holder === undefined) grant(req);
    else queue.push(req);
  });
  setHandler(unlockRequest, ({ requesterWorkflowId }) => {
    if (requesterWorkflowId !== holder) return;
    const next = queue.shift();
    if (next) grant(next);
    else holder = undefined;
  });
  // Runs for the lifetime of the resource, as in the article (the bench terminates it).
  await condition(() => false);
}

const acts = proxyActivities<BenchActivities>({ startToCloseTimeout: '1 minute' });

/**
 * A contender looping AcquireLock → the protected activity → ReleaseLock, as the article's helpers do,
 * `cycles` times, or until the bench terminates it.
 */
export async function articleContender(input: {
  resourceId: string;
  holdMs: number;
  timeoutMs: number;
  cycles?: number;
}): Promise<void> {
  // An object, not a `let`: the handler sets it between awaits, which narrowing cannot see.
  const grant: { token?: number } = {};
  setHandler(lockAcquired, (token) => void (grant.token = token));
  const { workflowId, runId } = workflowInfo();
  const mutex = getExternalWorkflowHandle(articleMutexId(input.resourceId));
  for (let cycle = 0; cycle < (input.cycles ?? Infinity); cycle++) {
    grant.token = undefined;
    await mutex.signal(lockRequest, { requesterWorkflowId: workflowId, requesterRunId: runId });
    if (!(await condition(() => grant.token !== undefined, input.timeoutMs))) {
      throw new Error(`lock acquisition timed out for resource ${input.resourceId}`);
    }
    await acts.benchCriticalSection({
      resourceId: input.resourceId,
      holder: workflowId,
      fencingToken: grant.token ?? -1,
      holdMs: input.holdMs,
    });
    await mutex.signal(unlockRequest, { requesterWorkflowId: workflowId });
  }
}
