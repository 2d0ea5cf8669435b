import { proxyActivities } from '@temporalio/workflow';
import { circuitBreaker } from '@temporal-patterns/circuit-breaker';

// The breaker (monitor) workflow must be registered on the worker too.
export { circuitBreakerWorkflow } from '@temporal-patterns/circuit-breaker';

// chargeCard is wrapped with withCircuitBreaker on the worker: every call checks the breaker and reports.
const { chargeCard } = proxyActivities<{ chargeCard(orderId: string): Promise<string> }>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

/** Charges an order; while the payments API is failing, waits (durably, for up to a day) instead. */
export async function orderWorkflow(orderId: string): Promise<string> {
  const payments = circuitBreaker({
    dependency: 'payments-api',
    options: { failureThreshold: 3, cooldown: '2 seconds' },
  });
  await payments.subscribe(); // pause/resume signals; starts the breaker if it is not running
  for (;;) {
    await payments.guard({ maxWait: '1 day' }); // throws CircuitOpenError after a day
    try {
      const receipt = await chargeCard(orderId);
      await payments.unsubscribe(); // else it is pruned at the breaker's next pause or resume
      return receipt;
    } catch (err) {
      // A failure the breaker counted, or a call it refused because it is open (then the guard waits).
      payments.noteCallError(err);
    }
  }
}
