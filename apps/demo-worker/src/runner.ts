import type { Scenario, ScenarioContext } from './scenario.js';

export interface ScenarioOutcome {
  name: string;
  ok: boolean;
  ms: number;
  summary: string;
}

/** Runs scenarios one after another, printing progress; never throws: failures are outcomes. */
export async function runScenarios(
  selected: readonly Scenario[],
  ctx: Omit<ScenarioContext, 'log'>,
  print: (line: string) => void = console.log,
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
  }
  const failed = outcomes.filter((o) => !o.ok);
  print(`\n${outcomes.length - failed.length} of ${outcomes.length} scenarios passed`);
  if (failed.length) print(`Failed: ${failed.map((o) => o.name).join(', ')}`);
  return outcomes;
}
