import { mutexWorkflowId } from '@temporal-patterns/mutex';
import { check, workflowsMatching, type Scenario } from '../scenario.js';
import { lockedJob } from '../workflows.js';

interface Turn {
  workflowId: string;
  fencingToken: number;
  enteredAt: number;
  exitedAt: number;
}

const turns: Turn[] = [];
const resourceIdOf = (runId: string): string => `account-42-${runId}`;

/** 10 workflows contend for one mutex; each holds it across an activity; tokens print in grant order. */
export const mutexScenario: Scenario = {
  name: 'mutex',
  description: '10 workflows contend for one account lock; fencing tokens in grant order',
  workflowQuery: (runId) => workflowsMatching(`demo-mutex-${runId}-`, mutexWorkflowId(resourceIdOf(runId))),
  activities: () => ({
    async demoUseAccount(input: { workflowId: string; fencingToken: number; holdMs: number }) {
      const enteredAt = Date.now();
      await new Promise((r) => setTimeout(r, input.holdMs));
      turns.push({
        workflowId: input.workflowId,
        fencingToken: input.fencingToken,
        enteredAt,
        exitedAt: Date.now(),
      });
    },
  }),
  async run({ client, taskQueue, log, runId }) {
    turns.length = 0;
    const resourceId = resourceIdOf(runId);
    const ids = Array.from({ length: 10 }, (_, i) => `demo-mutex-${runId}-job-${i + 1}`);
    await Promise.all(
      ids.map(async (workflowId) => {
        const token = await client.workflow.execute(lockedJob, {
          taskQueue,
          workflowId,
          args: [resourceId, 100],
        });
        log(`${workflowId.replace(`-${runId}`, '')} done with fencing token ${token}`);
      }),
    );
    const ordered = [...turns].sort((a, b) => a.enteredAt - b.enteredAt);
    check(ordered.length === 10, `expected 10 turns, saw ${ordered.length}`);
    for (let i = 1; i < ordered.length; i++) {
      check(
        ordered[i]!.enteredAt >= ordered[i - 1]!.exitedAt,
        `${ordered[i]!.workflowId} entered while ${ordered[i - 1]!.workflowId} held the lock`,
      );
      check(
        ordered[i]!.fencingToken > ordered[i - 1]!.fencingToken,
        'fencing tokens did not increase in grant order',
      );
    }
    const base = ordered[0]!.fencingToken - 1;
    return `one holder at a time; tokens in grant order: ${ordered.map((t) => `+${t.fencingToken - base}`).join(' ')} (base ${base})`;
  },
};
