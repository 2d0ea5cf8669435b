// Hostile input to pipeline runs: forged stream ends and sequence numbers on an edge, a forged failure
// report, feed batches that leave a gap, and 100 KiB ids and senders. One run per attack, so each verdict
// names one input: the run and its stage refuse it (logged), keep running, and complete every real item
// fed after it, with nothing forged in the result.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import {
  pipelineFeedSignal,
  pipelineItemsSignal,
  pipelineStageFailedSignal,
  type ItemsMessage,
} from '@temporal-patterns/pipeline/definitions';
import { definePipeline, startPipeline, type PipelineRun } from '@temporal-patterns/pipeline/client';
import { sleep } from '../../common.js';
import type { TemporalStack } from '../../temporal-stack.js';
import { checkNoTaskFailed, huge, pollFor, refusalsLogged, within } from '../hostile.js';
import type { FaultSuite } from '../suite.js';

const scenario = 'hostile-pipeline';
const STAGE = 'hold';
const REAL_ITEMS = 5;
// Short, so a forged gap that holds a run back shows up as a stalled run within the scenario.
const GAP_TIMEOUT_MS = 3000;

interface Attack {
  name: string;
  /** Which workflow of the run gets it. */
  to: 'run' | 'stage';
  signal: string;
  payload: unknown;
}

// Forged items say "skipped", so an item whose place a forged one took shows up in the run's result.
const envelope = (id: string, index: number) => ({
  id,
  index,
  status: 'skipped',
  failure: { stage: 'forger', reason: 'error', message: 'forged' },
});
const items = (m: ItemsMessage): ItemsMessage => m;

const ATTACKS: Attack[] = [
  {
    name: 'forged end of the input edge (endAfter 0, not from the run)',
    to: 'stage',
    signal: pipelineItemsSignal.name,
    payload: items({ sender: 'forger', channel: '@input', entries: [], endAfter: 0 }),
  },
  {
    name: 'forged items taking the sequence numbers the run will send',
    to: 'stage',
    signal: pipelineItemsSignal.name,
    payload: items({
      sender: 'forger',
      channel: '@input',
      entries: [1, 2].map((seq) => ({ seq, item: envelope(`forged-${seq}`, seq - 1) })),
    } as ItemsMessage),
  },
  {
    name: 'an item numbered far ahead (a gap that never fills)',
    to: 'stage',
    signal: pipelineItemsSignal.name,
    payload: items({
      sender: 'forger',
      channel: '@input',
      entries: [{ seq: 1_000_000, item: envelope('forged-far', 999_999) }],
    } as ItemsMessage),
  },
  {
    name: '100 KiB item id and sender on the input edge',
    to: 'stage',
    signal: pipelineItemsSignal.name,
    payload: items({
      sender: huge('sender'),
      channel: '@input',
      entries: [{ seq: 1, item: envelope(huge('item'), 0) }],
    } as ItemsMessage),
  },
  {
    name: 'forged end of the last stage (endAfter 0, not from the stage)',
    to: 'run',
    signal: pipelineItemsSignal.name,
    payload: items({ sender: 'forger', channel: STAGE, entries: [], endAfter: 0 }),
  },
  {
    name: 'forged outcome from the last stage (sequence number 1)',
    to: 'run',
    signal: pipelineItemsSignal.name,
    payload: items({
      sender: 'forger',
      channel: STAGE,
      entries: [{ seq: 1, item: envelope('forged-outcome', 0) }],
    } as ItemsMessage),
  },
  {
    name: 'forged failure report of the stage',
    to: 'run',
    signal: pipelineStageFailedSignal.name,
    payload: { sender: 'forger', stage: STAGE, kind: 'stalled', detail: 'forged' },
  },
  {
    name: 'feed batch numbered 2 on a new channel (1 never comes)',
    to: 'run',
    signal: pipelineFeedSignal.name,
    payload: { channel: 'forger', seq: 2, sender: 'forger', payload: { items: [] } },
  },
  {
    name: 'feed batch with a 100 KiB item id',
    to: 'run',
    signal: pipelineFeedSignal.name,
    payload: {
      channel: 'forger',
      seq: 1,
      sender: 'forger',
      payload: { items: [{ id: huge('fed'), ref: 'x' }] },
    },
  },
];

/** Starts a run of one stage and waits until its stage workflow runs. */
async function startRun(client: Client, taskQueue: string, i: number): Promise<PipelineRun> {
  const run = await startPipeline(
    client,
    definePipeline('hostile', [{ name: STAGE, activity: 'benchPipelineStage' }]),
    {
      runId: `hostile-pipeline-${i}-${randomUUID().slice(0, 8)}`,
      taskQueue,
      gapTimeout: GAP_TIMEOUT_MS,
    },
  );
  await pollFor(
    () =>
      client.workflow
        .getHandle(`${run.runId}/stage/${STAGE}`)
        .describe()
        .then(
          () => true,
          () => false,
        ),
    (started) => started,
  );
  return run;
}

export async function hostilePipeline(
  { checks }: FaultSuite,
  { client, worker, taskQueue }: TemporalStack,
): Promise<void> {
  const runs = await Promise.all(ATTACKS.map((_, i) => startRun(client, taskQueue, i)));
  const since = worker.logs.length;
  const target = (a: Attack, run: PipelineRun) =>
    a.to === 'run' ? run.runId : `${run.runId}/stage/${STAGE}`;
  await Promise.all(
    ATTACKS.map((a, i) => client.workflow.getHandle(target(a, runs[i]!)).signal(a.signal, a.payload)),
  );
  // Longer than the gap timeout: an attack that holds an edge back has failed its run by now.
  await sleep(GAP_TIMEOUT_MS + 1500);
  const real = Array.from({ length: REAL_ITEMS }, (_, k) => ({ id: `item-${k}`, ref: `ref-${k}` }));
  const fed = await Promise.all(
    runs.map((run) =>
      run.feed(real, { last: true }).then(
        () => '',
        (err: unknown) => `feeding failed: ${String(err).slice(0, 160)}`,
      ),
    ),
  );
  const results = await Promise.all(
    runs.map((run) =>
      within(
        run.result().then(
          (r) => ({ r }),
          (err: unknown) => ({ error: String((err as { cause?: unknown }).cause ?? err).slice(0, 200) }),
        ),
        30_000,
      ),
    ),
  );
  const facts: Record<string, unknown> = {};
  for (const [i, attack] of ATTACKS.entries()) {
    const run = runs[i]!;
    const to = target(attack, run);
    const refusals = refusalsLogged(worker, since, to);
    checks.check(
      scenario,
      `${attack.name}: refused (logged by the ${attack.to})`,
      refusals.length > 0,
      refusals.length ? refusals[0]!.slice(0, 200) : `nothing logged by ${attack.to} ${to.slice(0, 80)}`,
    );
    const result = results[i];
    const got = result && 'r' in result ? result.r : undefined;
    const ids = got ? got.items.map((o) => o.id.slice(0, 40)) : [];
    const ok =
      got !== undefined &&
      got.completed === REAL_ITEMS &&
      ids.join() === real.map((r) => r.id).join() &&
      got.items.every((o) => o.status === 'completed');
    checks.check(
      scenario,
      `${attack.name}: the run completes every real item fed after it, nothing forged`,
      ok,
      (fed[i] ? `${fed[i]}; ` : '') +
        (!result
          ? 'no result within 30 s'
          : 'error' in result
            ? `run failed: ${result.error}`
            : `${got!.completed} completed, ${got!.failed} failed, ${got!.skipped} skipped of ${REAL_ITEMS} fed; ` +
              `items ${JSON.stringify(got!.items.map((o) => `${o.id.slice(0, 20)}:${o.status}`))}`),
    );
    facts[attack.name] = { runId: run.runId, refusals: refusals.length, completed: got?.completed };
    if (!got) await run.handle.terminate('fault suite done').catch(() => undefined);
  }
  checks.facts[scenario] = facts;
  await checkNoTaskFailed(
    checks,
    scenario,
    'no workflow task of a run or stage failed by its code',
    client,
    runs.flatMap((run) => [run.runId, `${run.runId}/stage/${STAGE}`]),
  );
  await Promise.all(
    runs.map((run) =>
      client.workflow
        .getHandle(`${run.runId}/stage/${STAGE}`)
        .terminate('fault suite done')
        .catch(() => undefined),
    ),
  );
}
