// History events per unit of work for the other patterns (#15 item 5), with their throughput: per item
// through a two-stage pipeline, per child of a fan-out, per outcome report to a circuit breaker.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { circuitBreakerWorkflow } from '@temporal-patterns/circuit-breaker';
import { circuitBreakerReportSignal } from '@temporal-patterns/circuit-breaker/definitions';
import { startFanout } from '@temporal-patterns/fanout/client';
import { definePipeline, stageWorkflowId, startPipeline } from '@temporal-patterns/pipeline/client';
import { pool, progress, round, sleep } from '../../common.js';
import { now } from '../../store.js';
import { historyOfChain } from '../designs.js';
import type { BenchPart } from '../part.js';

const events = async (client: Client, ids: string[]): Promise<number> =>
  (await Promise.all(ids.map(async (id) => (await historyOfChain(client, id)).length))).reduce(
    (a, b) => a + b,
    0,
  );

const auditPipeline = definePipeline('bench-audit', [
  { name: 'a', activity: 'benchPipelineStage', downstream: ['b'] },
  { name: 'b', activity: 'benchPipelineStage' },
]);

async function pipelineAudit(client: Client, taskQueue: string, items: number) {
  const runId = `audit-pipeline-${randomUUID().slice(0, 6)}`;
  const t0 = now();
  const run = await startPipeline(client, auditPipeline, {
    runId,
    taskQueue,
    items: Array.from({ length: items }, (_, i) => ({ id: `i${i}`, ref: `ref-${i}` })),
    closeInput: true,
  });
  await run.result();
  const seconds = (now() - t0) / 1000;
  const total = await events(client, [runId, stageWorkflowId(runId, 'a'), stageWorkflowId(runId, 'b')]);
  return {
    items,
    stages: 2,
    itemsPerSecond: round(items / seconds, 1),
    eventsPerItem: round(total / items, 2),
    note: 'all runs of the run workflow and both stage workflows; each stage runs one activity per item',
  };
}

async function fanoutAudit(client: Client, taskQueue: string, children: number) {
  const workflowId = `audit-fanout-${randomUUID().slice(0, 6)}`;
  const t0 = now();
  const handle = await startFanout(client, {
    workflowId,
    taskQueue,
    childWorkflowType: 'fanoutBenchChild',
    inputs: Array.from({ length: children }, (_, i) => `item-${i}`),
    window: Math.min(children, 100),
    startAhead: Math.min(children, 100),
    childTimeout: '10 minutes',
  });
  await handle.result();
  const seconds = (now() - t0) / 1000;
  const parent = await events(client, [workflowId]);
  const kids = await events(
    client,
    Array.from({ length: children }, (_, i) => `${workflowId}/${i}`),
  );
  return {
    children,
    childrenPerSecond: round(children / seconds, 1),
    parentEventsPerChild: round(parent / children, 2),
    childEvents: round(kids / children, 2),
    note: 'window and startAhead 100; a child does nothing but report',
  };
}

async function breakerAudit(client: Client, taskQueue: string, reports: number) {
  const workflowId = `audit-breaker-${randomUUID().slice(0, 6)}`;
  const handle = await client.workflow.start(circuitBreakerWorkflow, {
    workflowId,
    taskQueue,
    args: [{ dependency: workflowId }],
  });
  await sleep(300);
  const before = await events(client, [workflowId]);
  const t0 = now();
  await pool(
    Array.from({ length: reports }, (_, i) => i),
    16,
    (i) =>
      handle.signal(circuitBreakerReportSignal.definition, {
        outcome: 'success',
        reportId: `r${i}`,
        sender: 'bench',
      }),
  );
  const seconds = (now() - t0) / 1000;
  await sleep(1000);
  const after = await events(client, [workflowId]);
  await handle.terminate('bench done');
  return {
    reports,
    reportsPerSecond: round(reports / seconds, 1),
    eventsPerReport: round((after - before) / reports, 2),
    note: 'one report signal per call, 16 senders at once; success outcomes (the breaker stays closed)',
  };
}

export const auditPart: BenchPart = {
  name: 'audit',
  async run({ client, taskQueue, params }) {
    const n = params.auditUnits;
    progress(`audit: pipeline of 2 stages, ${n} items`);
    const pipeline = await pipelineAudit(client, taskQueue, n);
    progress(`audit: pipeline ${pipeline.itemsPerSecond} items/s, ${pipeline.eventsPerItem} events/item`);
    const fanout = await fanoutAudit(client, taskQueue, n);
    progress(
      `audit: fanout ${fanout.childrenPerSecond} children/s, parent ${fanout.parentEventsPerChild} events/child`,
    );
    const breaker = await breakerAudit(client, taskQueue, n);
    progress(
      `audit: breaker ${breaker.reportsPerSecond} reports/s, ${breaker.eventsPerReport} events/report`,
    );
    return { eventsPerUnit: { pipeline, fanout, breaker } };
  },
};
