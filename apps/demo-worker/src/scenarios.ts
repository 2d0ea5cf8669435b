import type { Client } from '@temporalio/client';
import { pingCircuitBreaker } from '@temporal-patterns/circuit-breaker/client';
import { pingFanout } from '@temporal-patterns/fanout/client';
import { pingPipeline } from '@temporal-patterns/pipeline/client';

/** A scenario runs workflows on the demo worker's task queue and throws if its own check fails. */
export interface Scenario {
  name: string;
  description: string;
  run(ctx: { client: Client; taskQueue: string; log: (line: string) => void }): Promise<string>;
}

type PingFn = (
  client: Client,
  options: { taskQueue: string; workflowId: string; text: string },
) => Promise<string | undefined>;

function pingScenario(name: string, ping: PingFn): Scenario {
  return {
    name,
    description: `${name}: start the package's workflow, signal it, check its answer`,
    async run({ client, taskQueue }) {
      const text = `hello from the ${name} demo`;
      const answer = await ping(client, { taskQueue, workflowId: `demo-${name}-${Date.now()}`, text });
      if (answer !== text) throw new Error(`expected "${text}", got "${String(answer)}"`);
      return `answered "${answer}"`;
    },
  };
}

export const scenarios: Scenario[] = [
  pingScenario('pipeline', pingPipeline),
  pingScenario('fanout', pingFanout),
  pingScenario('circuit-breaker', pingCircuitBreaker),
];
