import type { Scenario, ScenarioContext } from './scenario.js';

export interface ScenarioOutcome {
  name: string;
  ok: boolean;
  ms: number;
  summary: string;
}

export interface RunnerOptions {
  /** Where progress lines go. Defaults to `console.log`. */
  print?: (line: string) => void;
  /**
   * The Web UI and namespace, when there is one: each result is followed by a link to the list of
   * that scenario's workflows. Defaults to no links.
   */
  webUi?: { url: string; namespace: string };
}

/** The Web UI's workflow list for `namespace`, filtered by the list filter `query` when there is one. */
export function workflowListUrl(webUi: { url: string; namespace: string }, query?: string): string {
  const list = `${webUi.url}/namespaces/${encodeURIComponent(webUi.namespace)}/workflows`;
  return query ? `${list}?query=${encodeURIComponent(query)}` : list;
}

/** Runs scenarios one after another, printing progress; never throws: failures are outcomes. */
export async function runScenarios(
  selected: readonly Scenario[],
  ctx: Omit<ScenarioContext, 'log'>,
  { print = console.log, webUi }: RunnerOptions = {},
): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of selected) {
    const started = Date.now();
    print(`\n▶ ${scenario.name}: ${scenario.description}`);
    try {
      const summary = await scenario.run({ ...ctx, log: (line) => print(`  · ${line}`) });
      outcomes.push({ name: scenario.name, ok: true, ms: Date.now() - started, summary });
      print(`✔ ${scenario.name} (${Date.now() - started} ms): ${summary}`);
    } catch (err) {
      const summary = err instanceof Error ? err.message : String(err);
      outcomes.push({ name: scenario.name, ok: false, ms: Date.now() - started, summary });
      print(`✘ ${scenario.name}: ${summary}`);
    }
    if (webUi) print(`  workflows: ${workflowListUrl(webUi, scenario.workflowQuery(ctx.runId))}`);
  }
  const failed = outcomes.filter((o) => !o.ok);
  print(`\n${outcomes.length - failed.length} of ${outcomes.length} scenarios passed`);
  if (failed.length) print(`Failed: ${failed.map((o) => o.name).join(', ')}`);
  return outcomes;
}
