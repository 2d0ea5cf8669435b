// Where a lock handoff's time goes, hop by hop, read from history timestamps (the server's clock): the
// holder's section ends → the release reaches the mutex → the mutex's task runs and signals the grant →
// the grant reaches the waiter → the waiter's task schedules its activity → the activity starts.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { progress, round, summarize } from '../../common.js';
import {
  articleDesign,
  historyOfChain,
  oursDesign,
  oursReleasingDesign,
  oursFastDesign,
  type HistoryEvent,
  type LockDesign,
} from '../designs.js';
import type { BenchPart } from '../part.js';

/** The hops of one handoff, in order; each is measured from the end of the one before. */
export const HOPS = [
  'holder section ends → release recorded at the mutex',
  'release recorded → mutex task starts',
  'mutex task runs until the grant leaves (command, or local activity)',
  'grant leaves → grant recorded at the waiter',
  'grant recorded → waiter task starts',
  'waiter task runs (schedules its activity)',
  'activity scheduled → activity starts',
] as const;

const PROTECTED_ACTIVITIES = new Set(['benchCriticalSection', 'benchCriticalSectionReleasing']);

function ms(event: HistoryEvent): number {
  const t = event.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
}

/** The first JSON payload of a signal, decoded (both designs use the default JSON converter). */
function signalInput(event: HistoryEvent): unknown {
  return payloadValue(event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]);
}

/** A payload's value, decoded by the SDK's default converter (both designs use it). */
function payloadValue(payload: temporal.api.common.v1.IPayload | null | undefined): unknown {
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** The holder a release frees: named in the article's; in ours, the target of the grant with its request id. */
function releaser(event: HistoryEvent, grantedTo: Map<string, string>): string | undefined {
  const input = signalInput(event) as { requestId?: string; requesterWorkflowId?: string } | undefined;
  return input?.requesterWorkflowId ?? grantedTo.get(input?.requestId ?? '');
}

interface MutexHandoff {
  holder: string;
  waiter: string;
  release: number;
  taskStarted: number;
  taskCompleted: number;
  grantSent: number;
}

/** A grant as its requester recorded it. */
interface GrantReceived {
  waiter: string;
  at: number;
  requestId?: string;
}

/** Grant signals in the requesters' histories, oldest first. */
function grantsReceived(requesters: Map<string, HistoryEvent[]>): GrantReceived[] {
  const out: GrantReceived[] = [];
  for (const [waiter, events] of requesters) {
    for (const e of events) {
      const name = e.workflowExecutionSignaledEventAttributes?.signalName;
      if (name !== 'mutex.lock-granted' && name !== 'article.lock-acquired') continue;
      const input = signalInput(e) as { requestId?: string } | number | undefined;
      out.push({ waiter, at: ms(e), requestId: typeof input === 'object' ? input.requestId : undefined });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The marker of a `mutexDeliverGrant` local activity (its data names the activity type). */
const isGrantActivity = (e: HistoryEvent): boolean => {
  const marker = e.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return false;
  const data = payloadValue(marker.details?.data?.payloads?.[0]) as { activity_type?: string } | undefined;
  return data?.activity_type === 'mutexDeliverGrant';
};

/**
 * Handoffs in the mutex's history: a task started by a release that sends a grant, by signal command or
 * by local activity (whose grant leaves during the task: its time is when the waiter recorded it).
 */
function mutexHandoffs(
  events: HistoryEvent[],
  releaseSignal: string,
  grants: GrantReceived[],
): MutexHandoff[] {
  const out: MutexHandoff[] = [];
  let signals: HistoryEvent[] = [];
  let trigger: HistoryEvent[] = [];
  let started = 0;
  let completed = 0;
  // Request id → workflow it was granted to (our grants carry the request id).
  const grantedTo = new Map<string, string>();
  for (const g of grants) if (g.requestId) grantedTo.set(g.requestId, g.waiter);
  const used = new Set<GrantReceived>();
  for (const e of events) {
    if (isGrantActivity(e)) {
      const release = trigger.find(
        (s) => s.workflowExecutionSignaledEventAttributes?.signalName === releaseSignal,
      );
      const holder = release && releaser(release, grantedTo);
      const grant = grants.find((g) => !used.has(g) && g.at >= started && g.waiter !== holder);
      if (!release || !holder || !grant) continue;
      used.add(grant);
      out.push({
        holder,
        waiter: grant.waiter,
        release: ms(release),
        taskStarted: started,
        taskCompleted: grant.at,
        grantSent: grant.at,
      });
      continue;
    }
    if (e.workflowExecutionSignaledEventAttributes) signals.push(e);
    else if (e.workflowTaskStartedEventAttributes) {
      trigger = signals;
      signals = [];
      started = ms(e);
    } else if (e.workflowTaskCompletedEventAttributes) completed = ms(e);
    else if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) {
      const attrs = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
      const waiter = attrs.workflowExecution?.workflowId;
      const grant = payloadValue(attrs.input?.payloads?.[0]) as { requestId?: string } | undefined;
      if (waiter && grant?.requestId) grantedTo.set(grant.requestId, waiter);
      const release = trigger.find(
        (s) => s.workflowExecutionSignaledEventAttributes?.signalName === releaseSignal,
      );
      const holder = release && releaser(release, grantedTo);
      if (!waiter || !release || !holder || holder === waiter) continue;
      out.push({
        holder,
        waiter,
        release: ms(release),
        taskStarted: started,
        taskCompleted: completed,
        grantSent: ms(e),
      });
    }
  }
  return out;
}

/** The holder's section end: the latest completion of its protected activity before the release arrived. */
function sectionEnd(events: HistoryEvent[], release: number): number | undefined {
  const scheduled = new Set<string>();
  let end: number | undefined;
  for (const e of events) {
    if (PROTECTED_ACTIVITIES.has(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''))
      scheduled.add(String(e.eventId));
    const done = e.activityTaskCompletedEventAttributes;
    if (done && scheduled.has(String(done.scheduledEventId))) {
      // A release sent by the activity itself can be recorded just before the completion.
      if (ms(e) <= release + 50) end = Math.min(ms(e), release);
    }
  }
  return end;
}

/** The waiter's side: grant recorded, its task, the protected activity scheduled and started. */
function waiterSide(events: HistoryEvent[], grantSent: number): number[] | undefined {
  const i = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes && ms(e) >= grantSent - 1);
  if (i < 0) return undefined;
  const after = events.slice(i);
  const taskStarted = after.find((e) => e.workflowTaskStartedEventAttributes);
  const taskCompleted = after.find((e) => e.workflowTaskCompletedEventAttributes);
  const scheduled = after.find((e) =>
    PROTECTED_ACTIVITIES.has(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''),
  );
  const started = after.find(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(scheduled?.eventId),
  );
  if (!taskStarted || !taskCompleted || !scheduled || !started) return undefined;
  return [ms(events[i] as HistoryEvent), ms(taskStarted), ms(taskCompleted), ms(started)];
}

/** Runs `contenders` requesters of `cycles` cycles each and splits every handoff into its hops. */
async function hopsOf(
  client: Client,
  taskQueue: string,
  design: LockDesign,
  contenders: number,
  cycles: number,
) {
  const resourceId = `hops-${design.name}-${randomUUID().slice(0, 6)}`;
  await design.start(client, taskQueue, resourceId);
  const ids = Array.from({ length: contenders }, (_, i) => `${resourceId}-req${i}`);
  await Promise.all(ids.map((id) => design.requester(client, taskQueue, resourceId, id, cycles)));
  const mutexEvents = await historyOfChain(client, design.mutexId(resourceId));
  await client.workflow.getHandle(design.mutexId(resourceId)).terminate('bench done');
  const requesters = new Map(
    await Promise.all(ids.map(async (id) => [id, await historyOfChain(client, id)] as const)),
  );
  const hops: number[][] = HOPS.map(() => []);
  const totals: number[] = [];
  for (const h of mutexHandoffs(mutexEvents, design.releaseSignal, grantsReceived(requesters))) {
    const end = sectionEnd(requesters.get(h.holder) ?? [], h.release);
    const waiter = waiterSide(requesters.get(h.waiter) ?? [], h.grantSent);
    if (end === undefined || !waiter) continue;
    const times = [end, h.release, h.taskStarted, h.taskCompleted, ...waiter];
    for (let k = 0; k < HOPS.length; k++) hops[k]?.push((times[k + 1] as number) - (times[k] as number));
    totals.push((times[times.length - 1] as number) - end);
  }
  return {
    handoffs: totals.length,
    p50ByHop: Object.fromEntries(HOPS.map((name, k) => [name, summarize(hops[k] ?? []).p50])),
    total: summarize(totals),
  };
}

export const hopsPart: BenchPart = {
  name: 'hops',
  async run({ client, taskQueue, params }) {
    const rows: Record<string, unknown> = {};
    for (const design of [oursDesign, oursReleasingDesign, oursFastDesign, articleDesign]) {
      for (const contenders of params.hopContenders) {
        progress(`hops: ${design.name}, ${contenders} requesters × ${params.hopCycles} cycles`);
        const row = await hopsOf(client, taskQueue, design, contenders, params.hopCycles);
        rows[`${design.name}-${contenders}`] = row;
        progress(
          `hops: ${design.name} ${contenders}: ${row.handoffs} handoffs, total p50 ${round(row.total.p50)} ms`,
        );
      }
    }
    return { handoffHops: { hops: HOPS, byDesignAndRequesters: rows } };
  },
};
