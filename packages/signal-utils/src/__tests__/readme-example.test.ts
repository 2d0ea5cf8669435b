import { fileURLToPath } from 'node:url';
import { defineReadmeExampleTests, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { sendSignal } from '../client.js';
import { checkoutWorkflow, closeShop, paid, pricingWorkflow } from '../readme-example.js';

const examplePath = fileURLToPath(new URL('../readme-example.ts', import.meta.url));
const env = useTemporalTestEnv();

defineReadmeExampleTests({ packageDir: new URL('../../', import.meta.url) });

describe('README example', () => {
  it('runs: checkout gets quotes over request/response, then waits for payment', async () => {
    await env.withWorker({ workflowsPath: examplePath }, async (taskQueue) => {
      const pricing = await env.client.workflow.start(pricingWorkflow, {
        taskQueue,
        workflowId: env.taskQueue('pricing'),
        args: [{ apple: 50, pear: 70 }],
      });
      const checkout = await env.client.workflow.start(checkoutWorkflow, {
        taskQueue,
        workflowId: env.taskQueue('checkout'),
        args: [pricing.workflowId, ['apple', 'pear', 'apple']],
      });
      await sendSignal(env.client, checkout.workflowId, paid, { receipt: 'r-1' });
      expect(await checkout.result()).toBe('3 items, 170 cents, receipt r-1');
      await pricing.signal(closeShop);
      await pricing.result();
    });
  });
});
