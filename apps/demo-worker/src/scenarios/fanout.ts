import { getFanoutProgress, startFanout } from '@temporal-patterns/fanout/client';
import { check, workflowsMatching, type Scenario } from '../scenario.js';

/** A parent releases 50 children through a window of 10; each reports its result back by signal. */
export const fanoutScenario: Scenario = {
  name: 'fanout',
  description: 'a parent fans out to 50 children through a window of 10; children signal back when done',
  // The parent and its children (`<parent id>/<index>`).
  workflowQuery: (runId) => workflowsMatching(`demo-fanout-${runId}`),
  async run({ client, taskQueue, log, runId }) {
    const inputs = Array.from({ length: 50 }, (_, i) => String(i + 1));
    const handle = await startFanout(client, {
      workflowId: `demo-fanout-${runId}`,
      taskQueue,
      childWorkflowType: 'squareChild',
      inputs,
      window: 10,
      childTimeout: '1 minute',
    });
    let finished = false;
    const result = handle.result().finally(() => void (finished = true));
    while (!finished) {
      await new Promise((r) => setTimeout(r, 700));
      if (finished) break;
      const p = await getFanoutProgress(handle).catch(() => undefined);
      if (p) log(`started ${p.started}, running ${p.running}, done ${p.done}, pending ${p.pending}`);
    }
    const summary = await result;
    check(summary.done === 50, `expected 50 children done, got ${summary.done}`);
    check(summary.maxRunning <= 10, `window of 10 exceeded: ${summary.maxRunning} ran at once`);
    const expected = inputs.reduce((sum, n) => sum + Number(n) ** 2, 0);
    check(summary.valueSum === expected, `sum of squares ${summary.valueSum}, expected ${expected}`);
    check(
      summary.outcomes.every((o, i) => o.status === 'done' && o.resultRef === `square-of-${i + 1}`),
      'outcomes are not in input order',
    );
    return `50/50 done, at most ${summary.maxRunning} at once, sum of squares ${summary.valueSum}`;
  },
};
