import { fileURLToPath } from 'node:url';
import {
  defineReadmeExampleTests,
  pollUntil,
  useTemporalTestEnv,
} from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  circuitBreakerWorkflowId,
  createCircuitBreakerActivities,
  inspectCircuitBreaker,
  withCircuitBreaker,
} from '../client.js';
import { orderWorkflow } from '../readme-example.js';

const examplePath = fileURLToPath(new URL('../readme-example.ts', import.meta.url));
const env = useTemporalTestEnv();

defineReadmeExampleTests({ packageDir: new URL('../../', import.meta.url) });

describe('README example', () => {
  it('runs: orders pause while payments fail and all complete after the breaker closes', async () => {
    let paymentsUp = false;
    let charges = 0;
    const chargeCard = async (orderId: string) => {
      charges += 1;
      if (!paymentsUp) throw new Error('payments-api: 503');
      return `receipt for ${orderId}`;
    };
    const activities = {
      ...createCircuitBreakerActivities(env.client),
      chargeCard: withCircuitBreaker(env.client, { dependency: 'payments-api' }, chargeCard),
    };
    await env.withWorker({ workflowsPath: examplePath, activities }, async (taskQueue) => {
      const orders = await Promise.all(
        ['o-1', 'o-2', 'o-3', 'o-4'].map((id) =>
          env.client.workflow.start(orderWorkflow, { taskQueue, workflowId: env.taskQueue(id), args: [id] }),
        ),
      );
      await pollUntil(
        async () => {
          const inspection = await inspectCircuitBreaker(env.client, 'payments-api');
          return inspection.state === 'open' && inspection.pendingNotices === 0;
        },
        { what: 'the breaker to open' },
      );
      paymentsUp = true;
      expect(await Promise.all(orders.map((o) => o.result()))).toEqual(
        ['o-1', 'o-2', 'o-3', 'o-4'].map((id) => `receipt for ${id}`),
      );
      expect(charges).toBeGreaterThanOrEqual(4 + 4);
      const inspection = await inspectCircuitBreaker(env.client, 'payments-api');
      expect(inspection.state).toBe('closed');
      expect(inspection.transitions.slice(-2).map((t) => t.to)).toEqual(['half-open', 'closed']);
      await env.client.workflow.getHandle(circuitBreakerWorkflowId('payments-api')).terminate('test done');
    });
  });
});
