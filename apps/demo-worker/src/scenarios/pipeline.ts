import { dataRef, isDataRef } from '@temporal-patterns/signal-utils';
import { definePipeline, startPipeline, type StageActivityInput } from '@temporal-patterns/pipeline/client';
import { check, workflowsMatching, type Scenario } from '../scenario.js';

// Extract → transform → load over 30 orders. Stages pass references into a store, never the data.
const orders = definePipeline('demo-orders', [
  { name: 'extract', activity: 'demoExtract', downstream: ['transform'], window: 5 },
  { name: 'transform', activity: 'demoTransform', downstream: ['load'], window: 5 },
  { name: 'load', activity: 'demoLoad' },
]);

const store = new Map<string, string>();
const calls: Array<{ stage: string; itemId: string }> = [];
const put = (key: string, value: string) => (store.set(key, value), dataRef(`mem://${key}`));
const get = (ref: unknown) =>
  isDataRef(ref) ? (store.get(ref.uri.slice('mem://'.length)) ?? '') : String(ref);

export const pipelineScenario: Scenario = {
  name: 'pipeline',
  description: 'a 3-stage pipeline (extract → transform → load) hands 30 items on by reference, in order',
  // The run and its stages (`<run id>/stage/<name>`).
  workflowQuery: (runId) => workflowsMatching(`demo-pipeline-${runId}`),
  activities: () => ({
    async demoExtract({ ref, idempotencyKey, itemId }: StageActivityInput) {
      calls.push({ stage: 'extract', itemId });
      return put(idempotencyKey, `order ${String(ref)}`);
    },
    async demoTransform({ ref, idempotencyKey, itemId }: StageActivityInput) {
      calls.push({ stage: 'transform', itemId });
      return put(idempotencyKey, get(ref).toUpperCase());
    },
    async demoLoad({ ref, itemId }: StageActivityInput) {
      calls.push({ stage: 'load', itemId });
      return `loaded ${get(ref)}`;
    },
  }),
  async run({ client, taskQueue, log, runId }) {
    calls.length = 0;
    const items = Array.from({ length: 30 }, (_, i) => ({ id: `order-${i + 1}`, ref: `#${i + 1}` }));
    const run = await startPipeline(client, orders, {
      runId: `demo-pipeline-${runId}`,
      taskQueue,
      items,
      closeInput: true,
    });
    let finished = false;
    const outcome = run.result().finally(() => void (finished = true));
    while (!finished) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (finished) break;
      const p = await run.progress().catch(() => undefined);
      if (p) log(`fed ${p.fed}, completed ${p.completed}, outstanding ${p.outstanding}`);
    }
    const result = await outcome;
    check(
      result.completed === 30,
      `expected 30 completed items, got ${result.completed} (failed ${result.failed})`,
    );
    check(
      result.items.every(
        (item, i) => item.id === `order-${i + 1}` && item.output === `loaded ORDER #${i + 1}`,
      ),
      'an item came out wrong or out of order',
    );
    for (const stage of ['extract', 'transform', 'load']) {
      const order = calls.filter((c) => c.stage === stage).map((c) => c.itemId);
      check(order.length === 30, `${stage} ran ${order.length} times for 30 items`);
      check(
        order.every((id, i) => id === `order-${i + 1}`),
        `${stage} processed items out of order`,
      );
    }
    return '30/30 items through 3 stages, in order, each stage once per item';
  },
};
