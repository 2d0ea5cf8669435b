// Fixture workflows for this package's tests (not part of the published entries).
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import { setTypedHandler } from '@temporal-patterns/signal-utils';
import { fanoutStartSignal } from '../definitions.js';
import { reportFanoutDone, runFanoutChild, type FanoutChildResult, type FanoutStart } from '../index.js';

export { fanoutWorkflow } from '../index.js';

const { fanoutTestProbe, fanoutTestCleanup } = proxyActivities<{
  fanoutTestProbe(input: string): Promise<void>;
  fanoutTestCleanup(childId: string, reason: string): Promise<void>;
}>({
  startToCloseTimeout: '30s',
});

/** Lets a gated child (`duplicateReporterChild` with input `gated`, `scriptedChild` with `gated-fail`) go on. */
export const proceedSignal = defineSignal('test.proceed');

/**
 * A child whose input says what to do: `ok:<n>` (done, value n), `probe:<n>` (runs the probe activity
 * first), `slow:<ms>` (sleeps, then done), `fail:<n>` (throws), `gated-fail:<n>` (throws once it gets
 * `proceedSignal`), `hang` (never finishes on its own), `ref:<n>[:padding]` (done, with a resultRef
 * that encodes to n bytes).
 */
export async function scriptedChild(): Promise<FanoutChildResult | undefined> {
  let proceed = false;
  setHandler(proceedSignal, () => void (proceed = true));
  return runFanoutChild(async (input) => {
    const [verb, arg = '0'] = String(input).split(':');
    if (verb === 'probe') await fanoutTestProbe(String(input));
    if (verb === 'slow') await sleep(Number(arg));
    if (verb === 'fail') throw new Error(`boom ${arg}`);
    if (verb === 'gated-fail') {
      await condition(() => proceed);
      throw new Error(`boom ${arg}`);
    }
    if (verb === 'hang') await condition(() => false);
    if (verb === 'ref') return { resultRef: 'r'.repeat(Number(arg) - 2) };
    return { resultRef: `result:${arg}`, value: Number(arg) };
  });
}

/** Waits for this child's start signal (what `runFanoutChild` does, without running any work). */
async function receiveStart(): Promise<FanoutStart> {
  let start: FanoutStart | undefined;
  setTypedHandler(fanoutStartSignal, (payload) => void (start ??= payload));
  await condition(() => start !== undefined);
  return start!;
}

/** Reports "done" twice for the same start, as a retried sender would; input `gated` waits for `proceedSignal` first. */
export async function duplicateReporterChild(): Promise<void> {
  let proceed = false;
  setHandler(proceedSignal, () => void (proceed = true));
  const start = await receiveStart();
  if (start.input === 'gated') await condition(() => proceed);
  await reportFanoutDone(start, { resultRef: `result:${start.index}`, value: 1 });
  await reportFanoutDone(start, { resultRef: `result:${start.index}`, value: 1 });
}

/** Takes the start signal, then ignores everything, clean-up included: only cancellation ends it. */
export async function deafChild(): Promise<void> {
  await receiveStart();
  await condition(() => false);
}

/** Like `scriptedChild`, and records its clean-up (child id and reason) with an activity. */
export async function cleanupRecordingChild(): Promise<FanoutChildResult | undefined> {
  return runFanoutChild(
    async (input) => {
      if (input === 'hang') await condition(() => false);
      if (input === 'fail') throw new Error('boom');
      return { resultRef: `result:${String(input)}` };
    },
    { onCleanup: (request) => fanoutTestCleanup(request.childId, request.reason) },
  );
}

/** Waits at most 500 ms for its start signal; input `slow` then takes 2 s. */
export async function impatientChild(): Promise<FanoutChildResult | undefined> {
  return runFanoutChild(
    async (input) => {
      if (input === 'slow') await sleep(2000);
      return { resultRef: `result:${String(input)}` };
    },
    { startTimeout: '500ms' },
  );
}
