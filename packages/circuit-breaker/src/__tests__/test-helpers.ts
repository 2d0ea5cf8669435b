// Helpers shared by this package's tests (not part of the published entries).
import { fileURLToPath } from 'node:url';
import { pollUntil, type TemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Workflow } from '@temporalio/workflow';
import {
  circuitBreakerWorkflowId,
  createCircuitBreakerActivities,
  inspectCircuitBreaker,
  startCircuitBreaker,
  withCircuitBreaker,
  type BreakerInspection,
  type CircuitBreakerOptions,
} from '../client.js';
import type { PermitResponse } from '../definitions.js';
import { dependentStatusQuery, type CallInput, type DependentStatus } from './test-workflows.js';

/** The fixture workflows every test's worker runs. */
export const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));

/** One call to the fake dependency, with the breaker state the breaker itself reported at that moment. */
export interface CallRecord extends CallInput {
  breakerState: BreakerInspection['state'] | 'absent';
  ok: boolean;
  /**
   * Calls in flight at the dependency when this one started, itself included, that probe or started while
   * the breaker was not closed: what `halfOpenProbes` bounds.
   */
  probesInFlight: number;
}

/**
 * A fake dependency: `callDependency` fails while `healthy` is false, logs every call with the breaker's
 * own state (queried when the call starts), and reports its outcome through `withCircuitBreaker` unless
 * `reporting: false`. While `hold` is set, a call stays in flight until `release(caller)` lets it end.
 */
export function fakeDependency(client: Client, dependency: string, options: { reporting?: boolean } = {}) {
  const state = { healthy: false, hold: false, calls: [] as CallRecord[] };
  const held = new Map<string, () => void>();
  const inFlight = new Set<CallRecord>();
  const call = async (input: CallInput) => {
    const breakerState = await inspectCircuitBreaker(client, dependency).then(
      (i) => i.state,
      () => 'absent' as const,
    );
    const ok = state.healthy;
    const record: CallRecord = { ...input, breakerState, ok, probesInFlight: 0 };
    inFlight.add(record);
    record.probesInFlight = [...inFlight].filter((c) => c.probe || c.breakerState !== 'closed').length;
    state.calls.push(record);
    try {
      if (state.hold) await new Promise<void>((resolve) => held.set(input.caller, resolve));
      if (!ok) throw new Error(`${dependency} is down`);
      return `job ${input.job} done`;
    } finally {
      inFlight.delete(record);
    }
  };
  const callDependency =
    options.reporting === false ? call : withCircuitBreaker(client, { dependency }, call);
  return {
    state,
    activities: { callDependency },
    /** Callers whose call is held in flight. */
    heldCallers: () => [...held.keys()],
    /** Ends the held call of `caller`, or every held call and the holding (no caller). */
    release(caller?: string) {
      if (caller === undefined) state.hold = false;
      for (const [who, resolve] of held)
        if (caller === undefined || who === caller) {
          held.delete(who);
          resolve();
        }
    },
  };
}

/** Polls the status query of each fixture workflow in `workflows` until every status satisfies `ready`. */
export function statusesUntil(
  workflows: ReadonlyArray<Pick<WorkflowHandle, 'query'>>,
  what: string,
  ready: (status: DependentStatus) => boolean,
): Promise<true> {
  return pollUntil(
    async () => {
      const statuses = await Promise.all(workflows.map((w) => w.query(dependentStatusQuery)));
      return statuses.every(ready);
    },
    { what },
  );
}

/** A test's own dependency and worker, with shortcuts to its breaker and to the fixture workflows. */
export interface BreakerTest {
  /** A dependency name no other test uses; its breaker is `circuit-breaker:<dependency>`. */
  dependency: string;
  /** The worker's task queue, also the one breakers started on demand run on. */
  taskQueue: string;
  /** What the fixtures' `callDependency` activity calls: down until `fake.state.healthy` is set. */
  fake: ReturnType<typeof fakeDependency>;
  /** Starts the breaker on the test's task queue, unless it runs. */
  startBreaker(options?: CircuitBreakerOptions): ReturnType<typeof startCircuitBreaker>;
  /** The breaker's inspection (the breaker must be running). */
  inspect(): Promise<BreakerInspection>;
  /** Polls the inspection until `ready` holds, and returns that inspection. */
  inspectUntil(
    what: string,
    ready: (inspection: BreakerInspection) => boolean,
    timeoutMs?: number,
  ): Promise<BreakerInspection>;
  /** Starts a fixture workflow with id `<dependency>-<name>` on the test's task queue. */
  start<W extends Workflow>(workflow: W, name: string, ...args: Parameters<W>): Promise<WorkflowHandle<W>>;
}

/**
 * Runs `body` while a worker runs the fixture workflows with the breaker's signal-with-start activity and
 * the fake dependency, for a dependency named `<name>-<random>`.
 */
export async function withBreakerTest<T>(
  env: TemporalTestEnv,
  name: string,
  body: (test: BreakerTest) => Promise<T>,
  options: { reporting?: boolean } = {},
): Promise<T> {
  const dependency = env.taskQueue(name);
  const fake = fakeDependency(env.client, dependency, options);
  const activities = { ...createCircuitBreakerActivities(env.client), ...fake.activities };
  return env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
    const inspect = () => inspectCircuitBreaker(env.client, dependency);
    // A failed test must not leave calls held: the worker waits for its activities before it stops.
    try {
      return await body({
        dependency,
        taskQueue,
        fake,
        startBreaker: (breakerOptions) =>
          startCircuitBreaker(env.client, { dependency, taskQueue, options: breakerOptions }),
        inspect,
        inspectUntil: (what, ready, timeoutMs) =>
          pollUntil(
            async () => {
              const inspection = await inspect();
              return ready(inspection) ? inspection : undefined;
            },
            { what, timeoutMs },
          ),
        start: <W extends Workflow>(workflow: W, suffix: string, ...args: Parameters<W>) => {
          // The SDK types `args` by a conditional type on W, which a generic W meets only through a cast.
          const startOptions = { taskQueue, workflowId: `${dependency}-${suffix}`, args };
          return env.client.workflow.start(workflow, startOptions as unknown as WorkflowStartOptions<W>);
        },
      });
    } finally {
      fake.release();
    }
  });
}

/** A history event of a breaker run, with its time in epoch ms (server clock, sub-ms precision). */
export interface BreakerEvent {
  runId: string;
  eventId: number;
  at: number;
  event: temporal.api.history.v1.IHistoryEvent;
}

/** Every event of every run of the breaker of `dependency`, oldest run first. */
export async function breakerHistory(client: Client, dependency: string): Promise<BreakerEvent[]> {
  const workflowId = circuitBreakerWorkflowId(dependency);
  const runs: Array<{ runId: string; startTime: Date }> = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const events: BreakerEvent[] = [];
  for (const { runId } of runs) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const event of history.events ?? []) {
      const t = event.eventTime;
      const at = Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
      events.push({ runId, eventId: Number(event.eventId), at, event });
    }
  }
  return events;
}

/**
 * When each pause broadcast was recorded: the time of the workflow task completion that issued the first
 * pause signal of each broadcast. The breaker broadcasts in the task that opens it, so this is when each
 * opening was recorded (and a query answers "open" from then on).
 */
export function pauseRecordedAt(events: BreakerEvent[]): number[] {
  const byId = new Map(events.map((e) => [`${e.runId}/${e.eventId}`, e]));
  const times = new Set<number>();
  for (const { runId, event } of events) {
    const attrs = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (attrs?.signalName !== 'circuit-breaker.pause') continue;
    const completed = byId.get(`${runId}/${Number(attrs.workflowTaskCompletedEventId)}`);
    if (completed) times.add(completed.at);
  }
  return [...times].sort((a, b) => a - b);
}

/** How many report signals (single or batch) the breaker received. */
export function reportSignalCount(events: BreakerEvent[]): number {
  return events.filter((e) =>
    e.event.workflowExecutionSignaledEventAttributes?.signalName?.startsWith('circuit-breaker.report'),
  ).length;
}

/** A permit answer the breaker sent, and the breaker's workflow time when it decided it. */
export interface PermitAnswer extends PermitResponse {
  to: string;
  decidedAt: number;
}

/** Every answer to a permit request in `events`, in the order the breaker gave them. */
export function permitAnswers(events: BreakerEvent[]): PermitAnswer[] {
  const byId = new Map(events.map((e) => [`${e.runId}/${e.eventId}`, e]));
  const answers: PermitAnswer[] = [];
  for (const { runId, event } of events) {
    const attrs = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (attrs?.signalName !== 'circuit-breaker.permit.response') continue;
    const envelope = defaultPayloadConverter.fromPayload<{ payload: PermitResponse }>(
      attrs.input!.payloads![0]!,
    );
    // Workflow time in a task is the time its WorkflowTaskStarted event was recorded.
    const completed = byId.get(`${runId}/${Number(attrs.workflowTaskCompletedEventId)}`)!;
    const startedId = Number(completed.event.workflowTaskCompletedEventAttributes!.startedEventId);
    const decidedAt = byId.get(`${runId}/${startedId}`)!.at;
    answers.push({ ...envelope.payload, to: attrs.workflowExecution!.workflowId!, decidedAt });
  }
  return answers;
}
