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
  /**
   * A Web UI list filter that shows the workflows one run of this scenario starts, its own and the
   * patterns' (the mutex's, the breaker's), for the link the demo prints next to the result.
   */
  workflowQuery(runId: string): string;
}

/**
 * A list filter for the workflows whose id starts with `prefix`, plus the exact `ids` (a pattern's
 * own workflow, whose id the pattern chooses). The dev server's SQLite visibility supports both.
 */
export function workflowsMatching(prefix: string, ...ids: string[]): string {
  return [
    `WorkflowId STARTS_WITH ${JSON.stringify(prefix)}`,
    ...ids.map((id) => `WorkflowId = ${JSON.stringify(id)}`),
  ].join(' OR ');
}

export class ScenarioCheckFailed extends Error {
  override readonly name = 'ScenarioCheckFailed';
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new ScenarioCheckFailed(message);
}
