import type { Client } from '@temporalio/client';
import { pingCircuitBreaker } from '@temporal-patterns/circuit-breaker/client';
import { check, type Scenario } from './scenario.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { mutexScenario } from './scenarios/mutex.js';
import { pipelineScenario } from './scenarios/pipeline.js';
import { signalUtilsScenario } from './scenarios/signal-utils.js';

export type { Scenario, ScenarioContext } from './scenario.js';

type PingFn = (
  client: Client,
  options: { taskQueue: string; workflowId: string; text: string },
) => Promise<string | undefined>;

function pingScenario(name: string, ping: PingFn): Scenario {
  return {
    name,
    description: `${name}: start the package's workflow, signal it, check its answer`,
    async run({ client, taskQueue, runId }) {
      const text = `hello from the ${name} demo`;
      const answer = await ping(client, { taskQueue, workflowId: `demo-${name}-${runId}`, text });
      check(answer === text, `expected "${text}", got "${String(answer)}"`);
      return `answered "${answer}"`;
    },
  };
}

/** Every scenario, in the order the demo runs them. */
export const scenarios: Scenario[] = [
  signalUtilsScenario,
  mutexScenario,
  pipelineScenario,
  fanoutScenario,
  pingScenario('circuit-breaker', pingCircuitBreaker),
];
