import {
  createRequester,
  ExternalWorkflowNotFoundError,
  RequestTimeoutError,
  setTypedHandler,
  signalWorkflow,
  type Requester,
} from '@temporal-patterns/signal-utils';
// Only the activities' type: workflow code never loads the client entry.
import type { createSignalActivities } from '@temporal-patterns/signal-utils/client';
import { ActivityFailure, ApplicationFailure, type Duration } from '@temporalio/common';
import {
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { durationToMs as durationMs } from '@temporal-patterns/signal-utils/pattern-kit';
import type {
  BreakerGuardOptions,
  BreakerPermit,
  BreakerRef,
  GuardedCallOptions,
} from './dependent-options.js';
import { CIRCUIT_BREAKER_REFUSED, CircuitOpenError } from './errors.js';
import {
  CIRCUIT_BREAKER_LIMITS,
  CIRCUIT_BREAKER_WORKFLOW_TYPE,
  circuitBreakerWorkflowId,
  circuitBreakerPauseSignal,
  circuitBreakerPermitProtocol,
  circuitBreakerReportSignal,
  circuitBreakerResumeSignal,
  circuitBreakerSubscribeSignal,
  circuitBreakerUnsubscribeSignal,
  type BreakerNotice,
  type BreakerState,
  type PermitRequest,
  type PermitResponse,
} from './definitions.js';

interface WorkflowLocalState {
  breakers: Map<string, DependentBreaker>;
  requester?: Requester<PermitRequest, PermitResponse>;
}

/** Marks guards that tell the breaker when they proceed after `maxWait` (recorded runs did not). */
const PROCEED_PERMIT_PATCH = 'circuit-breaker-proceed-permit';

/** The details of a `CircuitBreakerRefusedError`, found in `error` or its cause (an activity failure). */
function refusalOf(
  error: unknown,
): { dependency: string; state: BreakerState; epoch: number; retryAfterMs: number } | undefined {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  if (!(failure instanceof ApplicationFailure) || failure.type !== CIRCUIT_BREAKER_REFUSED) return undefined;
  const details = failure.details?.[0] as Record<string, unknown> | undefined;
  if (typeof details !== 'object' || details === null) return undefined;
  const { dependency, state, epoch, retryAfterMs } = details;
  if (typeof dependency !== 'string' || typeof epoch !== 'number' || typeof retryAfterMs !== 'number')
    return undefined;
  if (state !== 'open' && state !== 'half-open') return undefined;
  return { dependency, state, epoch, retryAfterMs };
}

const STATE_KEY = Symbol.for('@temporal-patterns/circuit-breaker.dependent-state');

/**
 * This workflow's breakers and permit requester. Kept on `globalThis`, which the SDK swaps per workflow
 * execution: module-level variables are shared by every workflow of a worker when V8 contexts are reused
 * (the default), so a module-level map would mix up workflows.
 */
function local(): WorkflowLocalState {
  const g = globalThis as unknown as Record<symbol, WorkflowLocalState | undefined>;
  let state = g[STATE_KEY];
  if (!state) {
    state = { breakers: new Map() };
    g[STATE_KEY] = state;
  }
  return state;
}

function requester(): Requester<PermitRequest, PermitResponse> {
  const state = local();
  state.requester ??= createRequester(circuitBreakerPermitProtocol);
  return state.requester;
}

function applyNotice(notice: BreakerNotice): void {
  const breaker = local().breakers.get(notice.dependency);
  if (!breaker) {
    log.warn(`Circuit breaker notice for unknown dependency "${notice.dependency}" ignored`, {
      dependency: notice.dependency,
      sender: notice.sender,
    });
    return;
  }
  breaker.applyNotice(notice);
}

/**
 * This workflow's view of one breaker: subscribe to its pause/resume signals, guard calls, report
 * outcomes. Get it with {@link circuitBreaker}.
 */
export class DependentBreaker {
  /** The breaker's workflow id. */
  readonly breakerWorkflowId: string;
  private local: { state: BreakerState; epoch: number; retryAt: number } = {
    state: 'closed',
    epoch: 0,
    retryAt: 0,
  };
  private isSubscribed = false;
  private pauses = 0;
  private resumes = 0;
  private lastNoticeEpoch = 0;

  /** @internal use {@link circuitBreaker} */
  constructor(readonly ref: BreakerRef) {
    this.breakerWorkflowId = circuitBreakerWorkflowId(ref.dependency);
  }

  /** The breaker state as this workflow last heard it (always `'closed'` until it hears otherwise). */
  get state(): BreakerState {
    return this.local.state;
  }

  /** Whether this workflow subscribed to pause/resume signals (and has not unsubscribed). */
  get subscribed(): boolean {
    return this.isSubscribed;
  }

  /** Pause and resume signals received so far in this run (each notice counted once). */
  get notices(): { pauses: number; resumes: number } {
    return { pauses: this.pauses, resumes: this.resumes };
  }

  /** True while this workflow's view says the breaker is not closed. */
  get paused(): boolean {
    return this.local.state !== 'closed';
  }

  /**
   * Subscribes this workflow (by workflow id, so it survives this workflow's continue-as-new) to pause and
   * resume signals, starting the breaker if it is not running, then asks it for its current state. Returns
   * false (and logs) when the breaker refused the subscription (`maxSubscribers`): the guard then asks the
   * breaker on every call, as for a workflow that never subscribed.
   */
  async subscribe(options: Pick<BreakerGuardOptions, 'requestTimeout'> = {}): Promise<boolean> {
    await this.signalWithStart(circuitBreakerSubscribeSignal.name, { workflowId: workflowInfo().workflowId });
    this.isSubscribed = true;
    const answer = await this.ask({ peek: true }, options.requestTimeout);
    if (answer.subscribed === false) {
      this.isSubscribed = false;
      log.warn(`Circuit breaker "${this.ref.dependency}" refused the subscription; guarding by request`, {
        dependency: this.ref.dependency,
        breaker: this.breakerWorkflowId,
      });
    }
    return this.isSubscribed;
  }

  /** Stops pause/resume signals to this workflow. A breaker that is not running is not an error. */
  async unsubscribe(): Promise<void> {
    this.isSubscribed = false;
    try {
      await signalWorkflow(this.breakerWorkflowId, circuitBreakerUnsubscribeSignal, {
        workflowId: workflowInfo().workflowId,
      });
    } catch (err) {
      if (!(err instanceof ExternalWorkflowNotFoundError)) throw err;
    }
  }

  /**
   * Asks the breaker for its state without taking a probe permit, and updates this workflow's view. For
   * workflows that never subscribed. A breaker that is not running counts as closed.
   */
  async fetchState(options: Pick<BreakerGuardOptions, 'requestTimeout'> = {}): Promise<BreakerState> {
    return (await this.ask({ peek: true }, options.requestTimeout)).state;
  }

  /**
   * Waits, durably and without holding a worker slot, until the breaker lets a call through: at once while
   * closed; while open, until it resumes (subscribers are signalled) or its cooldown ends and this caller
   * gets a probe permit. Subscribers pass without a round trip while closed; other workflows ask the
   * breaker each time. Throws `CircuitOpenError` after `maxWait` unless `onTimeout: 'proceed'`.
   *
   * @example
   * const permit = await circuitBreaker('payments-api').guard({ maxWait: '1 hour' });
   */
  async guard(options: BreakerGuardOptions = {}): Promise<BreakerPermit> {
    const start = Date.now();
    const deadline = options.maxWait === undefined ? undefined : start + durationMs(options.maxWait);
    for (;;) {
      if (this.isSubscribed && this.local.state === 'closed')
        return { decision: 'proceed', state: 'closed', waitedMs: Date.now() - start };
      if (!this.isSubscribed || Date.now() >= this.local.retryAt) {
        const answer = await this.ask({ peek: false }, options.requestTimeout);
        if (answer.decision !== 'wait') {
          return {
            decision: answer.decision,
            ...(answer.permitId ? { permitId: answer.permitId } : {}),
            state: answer.state,
            waitedMs: Date.now() - start,
          };
        }
      }
      const now = Date.now();
      if (deadline !== undefined && now >= deadline) {
        if (options.onTimeout === 'proceed') {
          // Without a permit the activity wrapper would refuse the call the guard lets through.
          const permitId = patched(PROCEED_PERMIT_PATCH)
            ? (await this.ask({ proceed: true }, options.requestTimeout)).permitId
            : undefined;
          return {
            decision: 'proceed',
            ...(permitId ? { permitId } : {}),
            state: this.local.state,
            waitedMs: Date.now() - start,
            timedOut: true,
          };
        }
        throw new CircuitOpenError(
          this.ref.dependency,
          this.breakerWorkflowId,
          this.local.state,
          now - start,
        );
      }
      const until = Math.min(this.local.retryAt, deadline ?? Number.POSITIVE_INFINITY);
      await condition(() => this.isSubscribed && this.local.state === 'closed', Math.max(1, until - now));
    }
  }

  /**
   * Guards `fn` with {@link guard}, runs it, and reports its outcome (with the probe permit, if it was a
   * probe). The error of a failed call is rethrown after it is reported.
   *
   * @example
   * const receipt = await circuitBreaker('payments-api').call(() => charge(order), { maxWait: '1h' });
   */
  async call<T>(fn: () => Promise<T>, options: GuardedCallOptions = {}): Promise<T> {
    for (;;) {
      const permit = await this.guard(options);
      const report = options.report ?? true;
      const startedAt = Date.now();
      let result: T;
      try {
        result = await fn();
      } catch (err) {
        // Refused by the activity wrapper: the dependency saw no call; guard again.
        if (this.noteCallError(err)) continue;
        if (report && (options.isFailure?.(err) ?? !isCancellation(err))) {
          await this.report('failure', {
            permitId: permit.permitId,
            startedAt,
            detail: (err as Error)?.message,
          });
        }
        throw err;
      }
      if (report) await this.report('success', { permitId: permit.permitId, startedAt });
      return result;
    }
  }

  /**
   * Tells this view about a failed call. When `error` is the activity wrapper's refusal
   * (`CircuitBreakerRefusedError`, possibly inside an `ActivityFailure`) for this dependency, the view takes
   * the state it carries, so the next {@link guard} waits instead of letting the call straight back
   * through, and it returns true; otherwise it changes nothing and returns false. `call()` does this
   * itself.
   *
   * @example
   * try { await chargeCard(order); } catch (err) { payments.noteCallError(err); }
   */
  noteCallError(error: unknown): boolean {
    const refusal = refusalOf(error);
    if (!refusal || refusal.dependency !== this.ref.dependency) return false;
    if (refusal.epoch >= this.local.epoch)
      this.local = { state: refusal.state, epoch: refusal.epoch, retryAt: Date.now() + refusal.retryAfterMs };
    return true;
  }

  /**
   * Reports one outcome to the breaker, starting it if it is not running. Never throws: a report that
   * cannot be delivered is logged, because reporting must not fail the dependent.
   */
  async report(
    outcome: 'success' | 'failure',
    extra: { permitId?: string; detail?: string; startedAt?: number } = {},
  ): Promise<void> {
    const payload = {
      outcome,
      reportId: uuid4(),
      sender: workflowInfo().workflowId.slice(0, CIRCUIT_BREAKER_LIMITS.workflowIdLength),
      ...(extra.permitId ? { permitId: extra.permitId } : {}),
      ...(extra.startedAt !== undefined ? { startedAt: extra.startedAt } : {}),
      ...(extra.detail ? { detail: extra.detail.slice(0, 500) } : {}),
    };
    try {
      try {
        await signalWorkflow(this.breakerWorkflowId, circuitBreakerReportSignal, payload);
      } catch (err) {
        if (!(err instanceof ExternalWorkflowNotFoundError)) throw err;
        await this.signalWithStart(circuitBreakerReportSignal.name, payload);
      }
    } catch (err) {
      log.warn(`Could not report ${outcome} to circuit breaker "${this.ref.dependency}": ${String(err)}`, {
        dependency: this.ref.dependency,
        breaker: this.breakerWorkflowId,
      });
    }
  }

  /** @internal applies a pause or resume signal from the breaker */
  applyNotice(notice: BreakerNotice): void {
    // A permit answer may already have told us this epoch; the notice is still counted once.
    if (notice.epoch <= this.lastNoticeEpoch) return;
    this.lastNoticeEpoch = notice.epoch;
    if (notice.state === 'closed') this.resumes += 1;
    else this.pauses += 1;
    if (notice.epoch < this.local.epoch) return;
    this.local = { state: notice.state, epoch: notice.epoch, retryAt: Date.now() + notice.retryAfterMs };
  }

  private async ask(request: PermitRequest, requestTimeout: Duration | undefined): Promise<PermitResponse> {
    let answer: PermitResponse;
    try {
      answer = await requester().call(this.breakerWorkflowId, request, { timeout: requestTimeout ?? '30s' });
    } catch (err) {
      if (err instanceof ExternalWorkflowNotFoundError) {
        // No breaker running means no failure was ever reported: closed.
        return { decision: 'proceed', state: 'closed', epoch: this.local.epoch, retryAfterMs: 0 };
      }
      if (err instanceof RequestTimeoutError) {
        log.warn(`Circuit breaker "${this.ref.dependency}" did not answer; proceeding`, {
          dependency: this.ref.dependency,
          breaker: this.breakerWorkflowId,
        });
        return { decision: 'proceed', state: this.local.state, epoch: this.local.epoch, retryAfterMs: 0 };
      }
      throw err;
    }
    if (answer.epoch >= this.local.epoch) {
      this.local = { state: answer.state, epoch: answer.epoch, retryAt: Date.now() + answer.retryAfterMs };
    }
    return answer;
  }

  private async signalWithStart(signalName: string, payload: unknown): Promise<void> {
    const activities = proxyActivities<ReturnType<typeof createSignalActivities>>(
      this.ref.activityOptions ?? { startToCloseTimeout: '30s' },
    );
    await activities.signalUtilsSignalWithStart({
      workflowType: CIRCUIT_BREAKER_WORKFLOW_TYPE,
      workflowId: this.breakerWorkflowId,
      taskQueue: this.ref.taskQueue ?? workflowInfo().taskQueue,
      args: [{ dependency: this.ref.dependency, ...(this.ref.options ? { options: this.ref.options } : {}) }],
      signalName,
      signalArgs: [payload],
    });
  }
}

/**
 * This workflow's handle on the breaker of a dependency (one per dependency per workflow; the first call
 * registers the pause/resume handlers). Call it early in the workflow.
 *
 * @example
 * const payments = circuitBreaker({ dependency: 'payments-api' });
 * await payments.subscribe();
 * const receipt = await payments.call(() => charge(order));
 */
export function circuitBreaker(ref: string | BreakerRef): DependentBreaker {
  const resolved = typeof ref === 'string' ? { dependency: ref } : ref;
  const { breakers } = local();
  if (breakers.size === 0) {
    setTypedHandler(circuitBreakerPauseSignal, applyNotice);
    setTypedHandler(circuitBreakerResumeSignal, applyNotice);
  }
  let breaker = breakers.get(resolved.dependency);
  if (!breaker) {
    breaker = new DependentBreaker(resolved);
    breakers.set(resolved.dependency, breaker);
  }
  return breaker;
}

/**
 * Waits until the breaker of `ref` lets a call through; see {@link DependentBreaker.guard}. Works whether
 * or not this workflow subscribed.
 *
 * @example
 * await breakerGuard('payments-api', { maxWait: '30 minutes', onTimeout: 'throw' });
 */
export function breakerGuard(
  ref: string | BreakerRef,
  options?: BreakerGuardOptions,
): Promise<BreakerPermit> {
  return circuitBreaker(ref).guard(options);
}
