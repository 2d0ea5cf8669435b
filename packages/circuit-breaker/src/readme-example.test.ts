import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import {
  circuitBreakerWorkflowId,
  createCircuitBreakerActivities,
  inspectCircuitBreaker,
  withCircuitBreaker,
} from './client.js';
import { eventually } from './test-helpers.js';
import { orderWorkflow } from './readme-example.js';

const examplePath = fileURLToPath(new URL('./readme-example.ts', import.meta.url));
const workerPath = fileURLToPath(new URL('./readme-example-worker.ts', import.meta.url));
const env = useTemporalTestEnv();

describe('README example', () => {
  it('is the code the README shows', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain(readFileSync(examplePath, 'utf8').trim());
  });

  it('shows the worker the release check runs, importing workflows.ts as the README names them', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const worker = readFileSync(workerPath, 'utf8')
      .trim()
      .replaceAll("'./readme-example.js'", "'./workflows.js'");
    expect(readme).toContain(worker);
  });

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
      await eventually('the breaker to open', async () => {
        const inspection = await inspectCircuitBreaker(env.client, 'payments-api');
        return inspection.state === 'open' && inspection.pendingNotices === 0;
      });
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
