import {
  createCircuitBreakerActivities,
  inspectCircuitBreaker,
  withCircuitBreaker,
} from '@temporal-patterns/circuit-breaker/client';
import { circuitBreakerWorkflowId } from '@temporal-patterns/circuit-breaker';
import { check, workflowsMatching, type Scenario } from '../scenario.js';
import { chargeOrder, type ChargeClearance } from '../workflows.js';

// One dependency name per demo process, so a breaker left from an earlier run on the same server
// does not carry its state into this one.
const dependency = `demo-payments-${Date.now().toString(36)}`;
let paymentsUp = true;
const calls: Array<{ at: number; ok: boolean } & ChargeClearance> = [];

/** The payments API fails; the breaker opens and pauses every order; it recovers; they all resume. */
export const circuitBreakerScenario: Scenario = {
  name: 'circuit-breaker',
  description:
    'payments fail: the breaker opens and pauses 8 orders, probes after the cooldown, and they resume',
  workflowQuery: (runId) =>
    workflowsMatching(`demo-circuit-breaker-${runId}-`, circuitBreakerWorkflowId(dependency)),
  activities: (client) => ({
    ...createCircuitBreakerActivities(client),
    demoCharge: withCircuitBreaker(
      client,
      { dependency },
      async (orderId: string, clearance: ChargeClearance) => {
        calls.push({ at: Date.now(), ok: paymentsUp, ...clearance });
        if (!paymentsUp) throw new Error('payments API: 503 Service Unavailable');
        return `receipt for ${orderId}`;
      },
    ),
  }),
  async run({ client, taskQueue, log, runId }) {
    calls.length = 0;
    paymentsUp = false;
    log(`payments API down; starting 8 orders that depend on ${dependency}`);
    const ids = Array.from({ length: 8 }, (_, i) => `order-${i + 1}`);
    const orders = await Promise.all(
      ids.map((id) =>
        client.workflow.start(chargeOrder, {
          taskQueue,
          workflowId: `demo-circuit-breaker-${runId}-${id}`,
          args: [dependency, id],
        }),
      ),
    );
    const deadline = Date.now() + 60_000;
    let inspection = await inspectCircuitBreaker(client, dependency).catch(() => undefined);
    // Open, and every pause notice delivered: from then on no order may call the failing API.
    while (!(inspection?.state === 'open' && inspection.pendingNotices === 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      inspection = await inspectCircuitBreaker(client, dependency).catch(() => undefined);
    }
    check(inspection?.state === 'open', `the breaker did not open (state ${inspection?.state ?? 'none'})`);
    log(
      `breaker open after ${inspection!.totals.failures} failures; ${inspection!.subscribers.length} orders paused`,
    );
    // What the breaker guarantees: once an order holds its pause notice, its guard lets no call through
    // but a half-open probe. A call it cleared earlier may still reach the API late (an activity task
    // dispatched after the notice), so those are not counted against it.
    const noticesDeliveredAt = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const clearedWhilePaused = calls.filter((c) => !c.probe && c.decidedAt > noticesDeliveredAt);
    check(
      clearedWhilePaused.length === 0,
      `${clearedWhilePaused.length} calls were cleared while every order held its pause notice`,
    );
    const late = calls.filter((c) => c.at > noticesDeliveredAt && !c.probe).length;
    if (late > 0) log(`${late} calls cleared before the pause notice reached the API after it`);
    paymentsUp = true;
    log('payments API back up; waiting for the cooldown and the probe');
    const receipts = await Promise.all(orders.map((o) => o.result()));
    check(
      receipts.every((r, i) => r === `receipt for ${ids[i]}`),
      'an order did not complete',
    );
    const final = await inspectCircuitBreaker(client, dependency);
    const path = final.transitions.map((t) => t.to);
    log(`transitions: ${path.join(' → ')}`);
    check(final.state === 'closed', `breaker ended ${final.state}, expected closed`);
    check(path.join(',').includes('open,half-open,closed'), `unexpected transitions ${path.join(' → ')}`);
    return `opened, paused 8 orders, probed, closed; all 8 orders charged (${calls.filter((c) => !c.ok).length} failed calls)`;
  },
};
