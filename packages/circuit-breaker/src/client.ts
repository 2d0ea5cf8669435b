// Client entry: code for workers, activities and clients. Never imported by workflow code.
import { createSignalActivities, sendSignal } from '@temporal-patterns/signal-utils/client';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { circuitBreakerWorkflow, type CircuitBreakerInput } from './breaker-workflow.js';
import { resolveCircuitBreakerOptions, type CircuitBreakerOptions } from './options.js';
import {
  circuitBreakerWorkflowId,
  circuitBreakerForceSignal,
  circuitBreakerInspectQuery,
  circuitBreakerReportSignal,
  type BreakerInspection,
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
}

/**
 * Names one attempt of the wrapped activity, for the breaker's deduplication. An activity scheduled by a
 * workflow is named by that workflow's execution; a standalone activity (SDK 1.24 and later) has none,
 * so its own run id names it instead.
 */
function reportIdentity(info: Context['info']): { reportId: string; sender: string } {
  const execution = info.workflowExecution;
  if (execution) {
    return {
      reportId: `${execution.workflowId}/${execution.runId}/${info.activityId}/${info.attempt}`,
      sender: execution.workflowId,
    };
  }
  return {
    reportId: `activity/${info.activityId}/${info.activityRunId ?? ''}/${info.attempt}`,
    sender: `activity/${info.activityId}`,
  };
}

/**
 * Wraps an activity so that it reports each success and failure to the breaker of `ref.dependency` by
 * itself (starting the breaker if needed). The activity's result and error are returned unchanged; a
 * report that cannot be sent is logged, never failing the activity. Each attempt reports once, with an id
 * the breaker deduplicates.
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
  return async (...args: A): Promise<R> => {
    let context: Context | undefined;
    try {
      context = Context.current();
    } catch {
      context = undefined;
    }
    const base = context ? reportIdentity(context.info) : {};
    const send = async (report: OutcomeReport) => {
      try {
        await reportOutcome(client, ref, { ...base, ...report });
      } catch (err) {
        (context?.log ?? console).warn(
          `Could not report ${report.outcome} to circuit breaker "${ref.dependency}": ${String(err)}`,
        );
      }
    };
    const startedAt = Date.now();
    let result: R;
    try {
      result = await activity(...args);
    } catch (err) {
      if (options.isFailure?.(err) ?? !(err instanceof CancelledFailure)) {
        await send({
          outcome: 'failure',
          startedAt,
          detail: err instanceof Error ? err.message : String(err),
        });
      }
      throw err;
    }
    await send({ outcome: 'success', startedAt });
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
