import type { Client } from '@temporalio/client';

export interface ScenarioContext {
  client: Client;
  taskQueue: string;
  /** Prints a progress line under the scenario. */
  log: (line: string) => void;
  /** Unique suffix for workflow ids of this demo run. */
  runId: string;
}

/** A scenario runs workflows on the demo worker and throws if its own check fails. */
export interface Scenario {
  name: string;
  description: string;
  /** Activities the demo worker must register for this scenario. */
  activities?: (client: Client) => Record<string, (...args: never[]) => Promise<unknown>>;
  /** Runs the scenario; resolves with a one-line summary, or throws naming what failed. */
  run(ctx: ScenarioContext): Promise<string>;
}

export class ScenarioCheckFailed extends Error {
  override readonly name = 'ScenarioCheckFailed';
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new ScenarioCheckFailed(message);
}
