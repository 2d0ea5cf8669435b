// Every workflow the demo worker runs: the patterns' own workflows from their public entries, and the
// small workflows the scenarios drive.
import { condition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { circuitBreaker } from '@temporal-patterns/circuit-breaker';
import { runFanoutChild } from '@temporal-patterns/fanout';
import { withLock } from '@temporal-patterns/mutex';
import {
  createRequester,
  defineRequestResponse,
  defineTypedSignal,
  serveRequests,
  SignalTimeoutError,
  waitForSignal,
} from '@temporal-patterns/signal-utils';

export { mutexWorkflow } from '@temporal-patterns/mutex';
export { circuitBreakerWorkflow } from '@temporal-patterns/circuit-breaker';
export { fanoutWorkflow } from '@temporal-patterns/fanout';
export { pipelineRunWorkflow, pipelineStageWorkflow } from '@temporal-patterns/pipeline';

const { demoUseAccount } = proxyActivities<{
  demoUseAccount(input: { workflowId: string; fencingToken: number; holdMs: number }): Promise<void>;
}>({ startToCloseTimeout: '1 minute' });

/** Holds the resource's lock across an activity and returns its fencing token. */
export async function lockedJob(resourceId: string, holdMs: number): Promise<number> {
  return withLock(resourceId, { timeout: '2 minutes', lease: '1 minute' }, async (lease) => {
    await demoUseAccount({ workflowId: workflowInfo().workflowId, fencingToken: lease.fencingToken, holdMs });
    return lease.fencingToken;
  });
}

export const quote = defineRequestResponse('demo.quote', {
  request: (raw) => {
    if (typeof (raw as { sku?: unknown })?.sku !== 'string') throw new Error('sku must be a string');
    return raw as { sku: string };
  },
  response: (raw) => raw as { sku: string; cents: number },
});

export const shutdownSignal = defineSignal('demo.shutdown');

/** Prices sku-N at N × 100 cents until shut down. */
export async function quoteServer(): Promise<void> {
  let open = true;
  setHandler(shutdownSignal, () => void (open = false));
  serveRequests(quote, ({ sku }) => ({ sku, cents: Number(sku.replace('sku-', '')) * 100 }));
  await condition(() => !open);
}

/** Asks for every quote at once and returns them in request order. */
export async function quoteCustomer(
  serverId: string,
  skus: string[],
): Promise<Array<{ sku: string; cents: number }>> {
  const requester = createRequester(quote);
  return Promise.all(skus.map((sku) => requester.call(serverId, { sku }, { timeout: '30s' })));
}

export const approvalSignal = defineTypedSignal('demo.approval', (raw) => {
  if (typeof (raw as { approver?: unknown })?.approver !== 'string')
    throw new Error('approver must be a string');
  return raw as { approver: string; sender: string };
});

/** Waits for an approval; reports a timeout by its error type. */
export async function approvalWithTimeout(timeoutMs: number): Promise<string> {
  try {
    const { approver } = await waitForSignal(approvalSignal, timeoutMs);
    return `approved by ${approver}`;
  } catch (err) {
    if (err instanceof SignalTimeoutError) return err.type ?? 'SignalTimeoutError';
    throw err;
  }
}

/** A fan-out child: squares its input and reports the result back to the parent. */
export async function squareChild(): Promise<void> {
  await runFanoutChild(async (input) => {
    const n = Number(input);
    return { resultRef: `square-of-${n}`, value: n * n };
  });
}

/** Why an order's guard let a charge through: a probe, or a closed breaker as the order saw it at `decidedAt`. */
export interface ChargeClearance {
  probe: boolean;
  /** Workflow time of the decision: the start of the workflow task that made it. */
  decidedAt: number;
}

const { demoCharge } = proxyActivities<{
  demoCharge(orderId: string, clearance: ChargeClearance): Promise<string>;
}>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

/** Charges an order through the breaker: paused (durably) while it is open, resumed when it closes. */
export async function chargeOrder(dependency: string, orderId: string): Promise<string> {
  const payments = circuitBreaker({ dependency, options: { failureThreshold: 3, cooldown: '2 seconds' } });
  await payments.subscribe();
  for (;;) {
    const permit = await payments.guard({ maxWait: '5 minutes' });
    try {
      const receipt = await demoCharge(orderId, {
        probe: permit.decision === 'probe',
        decidedAt: Date.now(),
      });
      await payments.unsubscribe();
      return receipt;
    } catch (err) {
      // Counted by the breaker (the activity reports its own outcome), or refused because it is open:
      // either way the next guard waits until the breaker lets us through.
      payments.noteCallError(err);
    }
  }
}
