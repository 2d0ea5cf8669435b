// Fixture workflows for this package's tests (not part of the published entries).
import { condition, proxyActivities, sleep } from '@temporalio/workflow';
import { waitForSignal } from '@temporal-patterns/signal-utils';
import { fanoutStartSignal, reportFanoutDone, runFanoutChild, type FanoutChildResult } from './index.js';

export { fanoutWorkflow } from './index.js';

const { fanoutTestProbe } = proxyActivities<{ fanoutTestProbe(input: string): Promise<void> }>({
  startToCloseTimeout: '30s',
});

/**
 * A child whose input says what to do: `ok:<n>` (done, value n), `probe:<n>` (runs the probe activity
 * first), `slow:<ms>` (sleeps, then done), `fail:<n>` (throws), `hang` (never finishes on its own).
 */
export async function scriptedChild(): Promise<FanoutChildResult | undefined> {
  return runFanoutChild(async (input) => {
    const [verb, arg = '0'] = String(input).split(':');
    if (verb === 'probe') await fanoutTestProbe(String(input));
    if (verb === 'slow') await sleep(Number(arg));
    if (verb === 'fail') throw new Error(`boom ${arg}`);
    if (verb === 'hang') await condition(() => false);
    return { resultRef: `result:${arg}`, value: Number(arg) };
  });
}

/** Reports "done" twice for the same start, as a retried sender would. */
export async function duplicateReporterChild(): Promise<void> {
  const start = await waitForSignal(fanoutStartSignal, '1 minute');
  await reportFanoutDone(start, { resultRef: `result:${start.index}`, value: 1 });
  await reportFanoutDone(start, { resultRef: `result:${start.index}`, value: 1 });
}

/** Takes the start signal, then ignores everything, clean-up included: only cancellation ends it. */
export async function deafChild(): Promise<void> {
  await waitForSignal(fanoutStartSignal, '1 minute');
  await condition(() => false);
}
