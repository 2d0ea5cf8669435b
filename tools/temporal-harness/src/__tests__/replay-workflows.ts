// Fixture workflows for the history replay tests: one timer per run, continuing as new until `runs` is 1.
import { continueAsNew, sleep } from '@temporalio/workflow';

export async function countdown(runs: number): Promise<string> {
  await sleep(1);
  if (runs > 1) await continueAsNew<typeof countdown>(runs - 1);
  return 'done';
}
