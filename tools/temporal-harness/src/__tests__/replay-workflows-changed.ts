// `countdown` with a second timer: a change that breaks runs recorded from replay-workflows.ts.
import { continueAsNew, sleep } from '@temporalio/workflow';

export async function countdown(runs: number): Promise<string> {
  await sleep(1);
  await sleep(1);
  if (runs > 1) await continueAsNew<typeof countdown>(runs - 1);
  return 'done';
}
