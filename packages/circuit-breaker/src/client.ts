// Client entry: code for workers, activities and clients. Never imported by workflow code.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createSignalActivities, sendSignal } from '@temporal-patterns/signal-utils/client';
import { durationToMs } from '@temporal-patterns/signal-utils/pattern-kit';
import { Context } from '@temporalio/activity';
import { CancelledFailure, WorkflowNotFoundError, type Duration } from '@temporalio/common';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { circuitBreakerWorkflow, type CircuitBreakerInput } from './breaker-workflow.js';
import { BreakerStateCache, type KnownState } from './breaker-state-cache.js';
import { CircuitBreakerRefusedError } from './errors.js';
import { OutcomeReporter } from './outcome-reporter.js';
import { resolveCircuitBreakerOptions, type CircuitBreakerOptions } from './options.js';
import {
  CIRCUIT_BREAKER_LIMITS,
  circuitBreakerWorkflowId,
  circuitBreakerForceSignal,
  circuitBreakerInspectQuery,
  circuitBreakerReportBatchSignal,
  circuitBreakerReportSignal,
  circuitBreakerStateQuery,
  type BreakerInspection,
  type OutcomeBatch,
  type OutcomeReport,
} from './definitions.js';

export * from './index.js';

/** Which breaker, and how to start it from a client or activity when it is not running. */
export interface ClientBreakerRef {
  /** Name of the protected dependency. */
  dependency: string;
  /**
   * Task queue a breaker started on demand runs on. Defaults, inside an activity, to the activity's task
   * queue; elsewhere it is required to start a breaker (without it, only a running breaker is reached).
   */
  taskQueue?: string;
  /** Options of a breaker started on demand (a running breaker keeps its own). Defaults to the defaults. */
  options?: CircuitBreakerOptions;
}

function startArgs(ref: ClientBreakerRef): [CircuitBreakerInput] {
  resolveCircuitBreakerOptions(ref.dependency, ref.options);
  return [{ dependency: ref.dependency, ...(ref.options ? { options: ref.options } : {}) }];
}

function taskQueueOf(ref: ClientBreakerRef): string | undefined {
  if (ref.taskQueue) return ref.taskQueue;
  try {
    return Context.current().info.taskQueue;
  } catch {
    return undefined;
  }
}

/**
 * Activities a worker needs so that workflows can subscribe and report to breakers that are not running
 * yet (signal-with-start, which workflow code cannot do itself): `signalUtilsSignalWithStart`. Register
 * them with `activities: { ...createCircuitBreakerActivities(client) }`.
 */
export function createCircuitBreakerActivities(client: Client) {
  return createSignalActivities(client);
}

/**
 * Starts the breaker of `ref.dependency` unless it is running, and returns its handle. The options apply
 * only when this call starts it. Throws `InvalidCircuitBreakerOptionsError` for bad options.
 */
export async function startCircuitBreaker(
  client: Client,
  ref: ClientBreakerRef,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof circuitBreakerWorkflow>> {
  const taskQueue = taskQueueOf(ref);
  if (!taskQueue)
    throw new TypeError(`Circuit breaker "${ref.dependency}": taskQueue is required to start it`);
  return client.workflow.start(circuitBreakerWorkflow, {
    workflowId: circuitBreakerWorkflowId(ref.dependency),
    taskQueue,
    args: startArgs(ref),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/**
 * Reports one outcome to the breaker, starting it when it is not running (signal-with-start). Without a
 * task queue (outside an activity and none in `ref`) it can only signal a running breaker, and rejects
 * with `ExternalWorkflowNotFoundError` when there is none.
 *
 * @example
 * await reportOutcome(client, { dependency: 'payments-api', taskQueue: 'payments' }, { outcome: 'failure' });
 */
export async function reportOutcome(
  client: Client,
  ref: ClientBreakerRef,
  report: OutcomeReport,
): Promise<void> {
  const payload = circuitBreakerReportSignal.parse(report);
  const taskQueue = taskQueueOf(ref);
  if (!taskQueue) {
    await sendSignal(client, circuitBreakerWorkflowId(ref.dependency), circuitBreakerReportSignal, payload);
    return;
  }
  await client.workflow.signalWithStart(circuitBreakerWorkflow, {
    workflowId: circuitBreakerWorkflowId(ref.dependency),
    taskQueue,
    args: startArgs(ref),
    signal: circuitBreakerReportSignal.definition,
    signalArgs: [payload],
  });
}

/** Options of {@link withCircuitBreaker}. */
export interface ReportingOptions {
  /**
   * Which errors count as failures of the dependency. Defaults to every error except a cancellation
   * (`CancelledFailure`), which says nothing about the dependency.
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * How often this worker process sends the outcomes it collected for this breaker, as one signal. A
   * failure goes out as soon as the previous batch is this old (at once after a quiet spell). Defaults to
   * 250 ms.
   */
  flushInterval?: Duration;
  /**
   * The oldest breaker state a call is checked against: a call waits for a fresh answer to the state
   * query when the process's copy was asked for longer ago. This is the staleness bound: a call that
   * starts later than this after the breaker opened is refused. Defaults to 500 ms.
   */
  stateMaxAge?: Duration;
  /**
   * How long to wait for the breaker to answer the state query; a call whose breaker does not answer
   * proceeds (logged), because an unavailable breaker must not stop the dependents. Defaults to 5 seconds.
   */
  stateTimeout?: Duration;
}

const DEFAULT_FLUSH_MS = 250;
const DEFAULT_STATE_MAX_AGE_MS = 500;
const DEFAULT_STATE_TIMEOUT_MS = 5_000;

/** What one worker process shares for one breaker: its outcome reporter and its copy of the state. */
interface BreakerLink {
  reporter: OutcomeReporter;
  state: BreakerStateCache;
  /** Latest ref and task queue seen, to start the breaker on demand when a batch finds none. */
  ref: ClientBreakerRef;
}

const links = new WeakMap<Client, Map<string, BreakerLink>>();
const allReporters = new Set<OutcomeReporter>();

function linkOf(client: Client, ref: ClientBreakerRef, flushMs: number, timeoutMs: number): BreakerLink {
  let byKey = links.get(client);
  if (!byKey) {
    byKey = new Map();
    links.set(client, byKey);
  }
  const key = `${ref.dependency}\u0000${flushMs}\u0000${timeoutMs}`;
  let link = byKey.get(key);
  if (!link) {
    const state = new BreakerStateCache((holder) => fetchState(client, ref.dependency, holder, timeoutMs));
    const created: BreakerLink = {
      ref,
      state,
      reporter: new OutcomeReporter(
        flushMs,
        (batch) => sendBatch(client, created.ref, batch),
        (message) => console.warn(`Circuit breaker "${ref.dependency}": ${message}`),
        // A delivered failure may have opened the breaker: the next call asks instead of trusting the copy.
        () => state.invalidate(),
        `${process.pid}@${hostname()}`.slice(0, CIRCUIT_BREAKER_LIMITS.workflowIdLength),
        randomUUID,
      ),
    };
    link = created;
    byKey.set(key, link);
    allReporters.add(link.reporter);
  }
  if (ref.taskQueue || !link.ref.taskQueue) link.ref = ref;
  return link;
}

async function fetchState(
  client: Client,
  dependency: string,
  holder: string | undefined,
  timeoutMs: number,
): Promise<KnownState> {
  const handle = client.workflow.getHandle(circuitBreakerWorkflowId(dependency));
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () =>
      holder === undefined
        ? handle.query(circuitBreakerStateQuery)
        : handle.query(circuitBreakerStateQuery, holder),
    );
  } catch (err) {
    // No breaker running means no failure was ever reported: closed.
    if (err instanceof WorkflowNotFoundError) return { state: 'closed', epoch: 0, since: 0, retryAfterMs: 0 };
    return { state: 'unknown', reason: String(err) };
  }
}

async function sendBatch(client: Client, ref: ClientBreakerRef, batch: OutcomeBatch): Promise<void> {
  const payload = circuitBreakerReportBatchSignal.parse(batch);
  if (!ref.taskQueue) {
    await sendSignal(
      client,
      circuitBreakerWorkflowId(ref.dependency),
      circuitBreakerReportBatchSignal,
      payload,
    );
    return;
  }
  await client.workflow.signalWithStart(circuitBreakerWorkflow, {
    workflowId: circuitBreakerWorkflowId(ref.dependency),
    taskQueue: ref.taskQueue,
    args: startArgs(ref),
    signal: circuitBreakerReportBatchSignal.definition,
    signalArgs: [payload],
  });
}

/**
 * Sends every outcome the wrapped activities of this process have collected and not yet reported, and
 * waits until they are delivered (or failed, logged). Call it before a worker process exits; tests call it
 * to know the breaker has every report.
 */
export async function flushCircuitBreakerReports(): Promise<void> {
  await Promise.all([...allReporters].map((r) => r.flush()));
}

/**
 * Names one attempt of the wrapped activity, for log lines: an activity scheduled by a workflow is named
 * by that workflow (also the holder of its probe permit); a standalone activity (SDK 1.24 and later) by
 * its own id.
 */
function callerOf(info: Context['info']): { sender: string; holder?: string } {
  const execution = info.workflowExecution;
  if (execution) return { sender: execution.workflowId, holder: execution.workflowId };
  return { sender: `activity/${info.activityId}` };
}

/**
 * Wraps an activity so that it consults the breaker of `ref.dependency` before each call and reports
 * each outcome to it (starting the breaker if needed).
 *
 * Before the call, the wrapper checks the breaker's state as this worker process last heard it (a query,
 * asked again once the answer is older than `stateMaxAge`). While the breaker is open, or half-open and
 * the calling workflow holds no probe permit, the call is refused with a non-retryable
 * `CircuitBreakerRefusedError` and the dependency is not called; the workflow goes back to its guard
 * (`call()` does so itself; after `proceed` or guard code, `noteCallError(err)`). A breaker that does not
 * answer lets the call through (logged).
 *
 * After the call, the outcome joins this process's next batch report (one signal per `flushInterval` for
 * all calls; failures sent at once after a quiet spell). The activity does not wait for its report, except
 * a probe (or other permit holder), whose verdict is sent before it returns; a report that cannot be sent
 * is logged. The result and error of the activity are returned unchanged.
 *
 * @example
 * const activities = { chargeCard: withCircuitBreaker(client, { dependency: 'payments-api' }, chargeCard) };
 */
export function withCircuitBreaker<A extends unknown[], R>(
  client: Client,
  ref: ClientBreakerRef,
  activity: (...args: A) => Promise<R>,
  options: ReportingOptions = {},
): (...args: A) => Promise<R> {
  const flushMs = durationToMs(options.flushInterval ?? DEFAULT_FLUSH_MS);
  const maxAgeMs = durationToMs(options.stateMaxAge ?? DEFAULT_STATE_MAX_AGE_MS);
  const timeoutMs = durationToMs(options.stateTimeout ?? DEFAULT_STATE_TIMEOUT_MS);
  const breakerId = circuitBreakerWorkflowId(ref.dependency);
  return async (...args: A): Promise<R> => {
    const entered = Date.now();
    let context: Context | undefined;
    try {
      context = Context.current();
    } catch {
      context = undefined;
    }
    const caller: { sender?: string; holder?: string } = context ? callerOf(context.info) : {};
    const taskQueue = taskQueueOf(ref);
    const link = linkOf(client, taskQueue ? { ...ref, taskQueue } : ref, flushMs, timeoutMs);
    const warn = (message: string) => (context?.log ?? console).warn(message);

    const admitted = (state: KnownState): boolean => {
      if (state.state === 'unknown') {
        warn(`Circuit breaker "${ref.dependency}" did not answer (${state.reason}); proceeding`);
        return true;
      }
      return state.state === 'closed';
    };
    let permitId: string | undefined;
    if (!admitted(await link.state.get(entered - maxAgeMs))) {
      // Refuse only on an answer asked after this call began, which also says whether it holds a permit.
      const fresh = await link.state.fresh(caller.holder);
      if (fresh.state !== 'unknown' && fresh.state !== 'closed') {
        if (fresh.permitId === undefined)
          throw new CircuitBreakerRefusedError(
            ref.dependency,
            breakerId,
            fresh.state,
            fresh.epoch,
            fresh.retryAfterMs,
          );
        permitId = fresh.permitId;
      } else {
        admitted(fresh);
      }
    }

    const startedAt = Date.now();
    let result: R;
    try {
      result = await activity(...args);
    } catch (err) {
      if (options.isFailure?.(err) ?? !(err instanceof CancelledFailure)) {
        link.reporter.record('failure', startedAt, {
          permitId,
          sender: caller.sender,
          detail: err instanceof Error ? err.message : String(err),
        });
        // A permit holder's verdict decides the breaker's next state: send it before returning.
        if (permitId !== undefined) await link.reporter.flush();
      }
      throw err;
    }
    link.reporter.record('success', startedAt, { permitId });
    if (permitId !== undefined) await link.reporter.flush();
    return result;
  };
}

/** Operator's note attached to a forced transition. */
export interface ForceOptions {
  reason?: string;
  /** Who forces it, for the log and the inspection. Defaults to `'operator'`. */
  sender?: string;
}

async function force(
  client: Client,
  dependency: string,
  mode: 'open' | 'closed' | 'release',
  options: ForceOptions,
) {
  await sendSignal(client, circuitBreakerWorkflowId(dependency), circuitBreakerForceSignal, {
    mode,
    sender: options.sender ?? 'operator',
    ...(options.reason ? { reason: options.reason } : {}),
  });
}

/**
 * Forces the breaker open and holds it open (no cooldown ends it) until {@link forceClose} or
 * {@link releaseForcedOpen}. Subscribers are told to pause. `ExternalWorkflowNotFoundError` when the
 * breaker is not running.
 */
export function forceOpen(client: Client, dependency: string, options: ForceOptions = {}): Promise<void> {
  return force(client, dependency, 'open', options);
}

/**
 * Closes the breaker now, resets its counters and tells subscribers to resume; the usual thresholds apply
 * again afterwards. `ExternalWorkflowNotFoundError` when the breaker is not running.
 */
export function forceClose(client: Client, dependency: string, options: ForceOptions = {}): Promise<void> {
  return force(client, dependency, 'closed', options);
}

/** Ends a forced open: the breaker stays open for one normal cooldown, then probes as usual. */
export function releaseForcedOpen(
  client: Client,
  dependency: string,
  options: ForceOptions = {},
): Promise<void> {
  return force(client, dependency, 'release', options);
}

/** The breaker's state, counts, since when, and subscribers (a query; the breaker must be running). */
export async function inspectCircuitBreaker(client: Client, dependency: string): Promise<BreakerInspection> {
  return client.workflow.getHandle(circuitBreakerWorkflowId(dependency)).query(circuitBreakerInspectQuery);
}
