// Hostile input to a fan-out: child reports to the parent from another fan-out, for children out of range
// or never released, with wrong or 100 KiB child ids, and 100 KiB errors; a clean-up and a start sent to
// the children in another fan-out's name. Each is refused (logged, and counted by the parent), parent and
// children keep running, and the real reports that follow finish the fan-out.
import { randomUUID } from 'node:crypto';
import {
  fanoutCleanupSignal,
  fanoutProgressQuery,
  fanoutReportSignal,
  fanoutStartSignal,
  type FanoutReport,
} from '@temporal-patterns/fanout/definitions';
import { startFanout } from '@temporal-patterns/fanout/client';
import type { TemporalStack } from '../../temporal-stack.js';
import { checkNoTaskFailed, huge, pollFor, waitForRefusals, within } from '../hostile.js';
import type { FaultSuite } from '../suite.js';

const scenario = 'hostile-fanout';

export async function hostileFanout(
  { checks }: FaultSuite,
  { client, worker, taskQueue }: TemporalStack,
): Promise<void> {
  // Two children that never finish their work: only the reports sent here end them, one at a time.
  const fanoutWorkflowId = `hostile-fanout-${randomUUID().slice(0, 8)}`;
  const parent = await startFanout(client, {
    workflowId: fanoutWorkflowId,
    taskQueue,
    childWorkflowType: 'blockingFanoutChild',
    inputs: ['a', 'b'],
    window: 1,
    startAhead: 1,
  });
  const progress = () => parent.query(fanoutProgressQuery);
  await pollFor(progress, (p) => p.running === 1);
  const identity = (index: number) => ({
    fanoutId: parent.firstExecutionRunId,
    parentWorkflowId: fanoutWorkflowId,
    index,
    childId: `${fanoutWorkflowId}/${index}`,
  });
  const hostile: Array<Partial<FanoutReport>> = [
    { ...identity(0), fanoutId: randomUUID(), status: 'done', resultRef: 'forged' },
    { ...identity(0), index: 99, childId: `${fanoutWorkflowId}/99`, status: 'done' },
    { ...identity(1), status: 'done', resultRef: 'forged' },
    { ...identity(0), childId: `${fanoutWorkflowId}/1`, status: 'failed', error: 'forged' },
    { ...identity(0), childId: huge('child'), status: 'done' },
    { ...identity(0), fanoutId: huge('fanout'), status: 'done' },
    { ...identity(99), status: 'failed', error: huge('error') },
  ];
  const since = worker.logs.length;
  for (const report of hostile) await parent.signal(fanoutReportSignal.name, report);
  const refusals = await waitForRefusals(worker, since, fanoutWorkflowId, hostile.length);
  const during = await progress();
  checks.facts[scenario] = {
    fanoutWorkflowId,
    hostile: hostile.length,
    refusals: refusals.length,
    rejectedReports: during.rejectedReports,
  };
  checks.check(
    scenario,
    'each hostile report refused: logged and counted (other fan-out, out of range, never released, wrong or 100 KiB ids)',
    refusals.length >= hostile.length && during.rejectedReports >= hostile.length,
    `${refusals.length} refusals logged, ${during.rejectedReports} rejected reports counted, for ${hostile.length} hostile reports`,
  );
  checks.check(
    scenario,
    'no child settled by a hostile report',
    during.done === 0 && during.failed === 0 && during.running === 1,
    `done ${during.done}, failed ${during.failed}, running ${during.running}`,
  );
  // The children take signals too: a clean-up and a start that name another fan-out and another parent.
  const forger = { fanoutId: randomUUID(), parentWorkflowId: `${fanoutWorkflowId}-forger` };
  await pollFor(
    () =>
      client.workflow
        .getHandle(identity(1).childId)
        .describe()
        .then(
          () => true,
          () => false,
        ),
    (started) => started,
  );
  const childSince = worker.logs.length;
  await client.workflow
    .getHandle(identity(0).childId)
    .signal(fanoutCleanupSignal.name, { ...identity(0), ...forger, reason: 'cancelled' });
  await client.workflow
    .getHandle(identity(1).childId)
    .signal(fanoutStartSignal.name, { ...identity(1), ...forger, input: 'forged' });
  const childRefusals = await Promise.all(
    [0, 1].map((i) => waitForRefusals(worker, childSince, identity(i).childId, 1, 5000)),
  );
  const childStatus = await Promise.all(
    [0, 1].map(async (i) => (await client.workflow.getHandle(identity(i).childId).describe()).status.name),
  );
  checks.check(
    scenario,
    'children: a clean-up and a start naming another fan-out and parent refused (logged); both children keep running',
    childRefusals.every((r) => r.length > 0) && childStatus.every((st) => st === 'RUNNING'),
    `child 0 (forged clean-up): ${childStatus[0]}, logged ${JSON.stringify(childRefusals[0]!.map((m) => m.slice(0, 100)))}; ` +
      `child 1 (forged start): ${childStatus[1]}, logged ${JSON.stringify(childRefusals[1]!.map((m) => m.slice(0, 100)))}`,
  );
  // The real reports (what runFanoutChild sends) finish the fan-out.
  await parent.signal(fanoutReportSignal.name, { ...identity(0), status: 'done', resultRef: 'r0', value: 1 });
  await pollFor(progress, (p) => p.done === 1 && p.running === 1, 5000);
  await parent.signal(fanoutReportSignal.name, { ...identity(1), status: 'done', resultRef: 'r1', value: 1 });
  const summary = await within(
    parent.result().then(
      (s) => s,
      (err: unknown) => String(err).slice(0, 200),
    ),
    30_000,
  );
  const ok = typeof summary === 'object' && summary.done === 2 && summary.failed === 0;
  checks.check(
    scenario,
    'valid work not lost: the real reports after the garbage finish the fan-out with both children done',
    ok,
    summary === undefined
      ? 'the fan-out did not finish within 30 s'
      : typeof summary === 'string'
        ? `the fan-out failed: ${summary}`
        : `${summary.status}: done ${summary.done}, failed ${summary.failed}, rejected reports ${summary.rejectedReports}; ` +
          `outcomes ${JSON.stringify(summary.outcomes.map((o) => `${o.index}:${o.status}${o.error ? ` (${o.error.slice(0, 100)})` : ''}`))}`,
  );
  await checkNoTaskFailed(checks, scenario, 'no workflow task of the parent failed by its code', client, [
    fanoutWorkflowId,
  ]);
  for (const index of [0, 1])
    await client.workflow
      .getHandle(`${fanoutWorkflowId}/${index}`)
      .terminate('fault suite done')
      .catch(() => undefined);
  if (!ok) await parent.terminate('fault suite done').catch(() => undefined);
}
