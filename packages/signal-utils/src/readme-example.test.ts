import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import { sendSignal } from './client.js';
import { checkoutWorkflow, closeShop, paid, pricingWorkflow } from './readme-example.js';

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
