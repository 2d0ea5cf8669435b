/**
 * The `./definitions` entry (workflow-safe): the signals, request/response and query that breakers,
 * dependents, operators and clients exchange, with their payload types and validators, for tools and
 * clients that speak to a breaker without the helpers. Applications use the root and client entries.
 *
 * Wire names are a public contract: renaming one breaks running workflows and their callers, and wants a
 * changeset that says so.
 */
import { defineRequestResponse, defineTypedSignal } from '@temporal-patterns/signal-utils';
import {
  integerAtLeast,
  oneOf,
  optionalNumber,
  optionalString,
  parseRecord,
  requiredString,
} from '@temporal-patterns/signal-utils/pattern-kit';
import type { PayloadRecord } from '@temporal-patterns/signal-utils/pattern-kit';
import { defineQuery } from '@temporalio/workflow';

/** The breaker's state: `closed` lets calls through, `open` pauses them, `half-open` admits probes. */
export type BreakerState = 'closed' | 'open' | 'half-open';

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;

/** Workflow type of the breaker, as registered on workers. */
export const CIRCUIT_BREAKER_WORKFLOW_TYPE = 'circuitBreakerWorkflow';

/**
 * The breaker workflow id for `dependency`: `circuit-breaker:<dependency>`. One breaker per protected
 * dependency, so every reporter, subscriber and operator finds it by name alone.
 */
export function circuitBreakerWorkflowId(dependency: string): string {
  return `circuit-breaker:${dependency}`;
}

/**
 * Longest ids and names the breaker accepts. A workflow id (subscriber, probe holder, sender) may be as
 * long as Temporal allows by default (1,000 characters); report ids hold a workflow id, a run id, an
 * activity id and an attempt. Longer values are refused: the breaker carries them across continue-as-new.
 */
export const CIRCUIT_BREAKER_LIMITS = {
  /** Workflow ids: subscribers, probe holders, senders. */
  workflowIdLength: 1_000,
  /** Report and batch ids (`reportId`, `batchId`, `permitId`). */
  reportIdLength: 1_200,
  /** An operator's reason. */
  reasonLength: 500,
  /** A failure's detail; longer details are cut to this length, not refused. */
  detailLength: 500,
  /** Runs of equal outcomes in one batch report. */
  batchRuns: 2_000,
} as const;

const ID = { maxLength: CIRCUIT_BREAKER_LIMITS.workflowIdLength };
const REPORT_ID = { maxLength: CIRCUIT_BREAKER_LIMITS.reportIdLength };

/** `obj[key]` as a finite number; the breaker's own counters and hints, never absent. */
function requiredNumber(obj: PayloadRecord, key: string): number {
  const value = optionalNumber(obj, key);
  if (value === undefined) throw new Error(`${key} must be a number`);
  return value;
}

/** Payload of {@link circuitBreakerReportSignal}: the outcome of one call to the protected dependency. */
export interface OutcomeReport {
  outcome: 'success' | 'failure';
  /** Id of this report; a report delivered twice with the same id counts once. */
  reportId?: string;
  /** The probe permit this call held, if it was a half-open probe. */
  permitId?: string;
  /** Who reports (workflow id or name), for log lines. */
  sender?: string;
  /** Short description of the failure, kept in the inspection's last failure. */
  detail?: string;
  /**
   * When the call started (epoch ms). A call that started before the breaker's current state began says
   * nothing about that state and is ignored, unless it holds a probe permit.
   */
  startedAt?: number;
}

/** Wire name `circuit-breaker.report`: a success or failure of a call to the dependency. */
export const circuitBreakerReportSignal = defineTypedSignal<OutcomeReport>(
  'circuit-breaker.report',
  (raw) => {
    const obj = parseRecord(raw);
    const outcome = oneOf(obj, 'outcome', ['success', 'failure']);
    const detail = optionalString(obj, 'detail');
    return {
      startedAt: optionalNumber(obj, 'startedAt'),
      outcome,
      reportId: optionalString(obj, 'reportId', REPORT_ID),
      permitId: optionalString(obj, 'permitId', REPORT_ID),
      sender: optionalString(obj, 'sender', ID),
      detail: detail?.slice(0, CIRCUIT_BREAKER_LIMITS.detailLength),
    };
  },
);

/** One run of equal outcomes in an {@link OutcomeBatch}, in the order the calls ended. */
export interface OutcomeRun {
  outcome: 'success' | 'failure';
  /** How many calls in a row ended this way (at least 1). */
  count: number;
  /**
   * When the latest call of the run started (epoch ms). The run is ignored as stale only when even this
   * call started before the breaker's current state began.
   */
  startedAt?: number;
  /** The probe (or proceed-anyway) permit the call held; such a run has a count of 1. */
  permitId?: string;
}

/**
 * Payload of {@link circuitBreakerReportBatchSignal}: the outcomes one worker process saw since its last
 * batch, as runs of equal outcomes, so one signal carries any number of calls.
 */
export interface OutcomeBatch {
  /** Id of this batch; a batch delivered twice counts once. */
  batchId: string;
  /** Who reports (a worker identity), for log lines. */
  sender?: string;
  /** At most {@link CIRCUIT_BREAKER_LIMITS}.batchRuns runs. */
  runs: OutcomeRun[];
  /** The latest failure: who called, and what went wrong. */
  lastFailure?: { sender?: string; detail?: string };
}

function parseRun(raw: unknown, i: number): OutcomeRun {
  const obj = parseRecord(raw, `runs[${i}]`);
  const count = integerAtLeast(obj, 'count', 1);
  const permitId = optionalString(obj, 'permitId', REPORT_ID);
  if (permitId !== undefined && count !== 1) throw new Error('a run with a permitId must have a count of 1');
  return {
    outcome: oneOf(obj, 'outcome', ['success', 'failure']),
    count,
    startedAt: optionalNumber(obj, 'startedAt'),
    ...(permitId !== undefined ? { permitId } : {}),
  };
}

/**
 * Wire name `circuit-breaker.report-batch`: many outcomes in one signal, what `withCircuitBreaker` sends
 * (one batch per worker process every flush interval, so a breaker keeps up with any call rate).
 */
export const circuitBreakerReportBatchSignal = defineTypedSignal<OutcomeBatch>(
  'circuit-breaker.report-batch',
  (raw) => {
    const obj = parseRecord(raw);
    const runs = obj.runs;
    if (!Array.isArray(runs) || runs.length === 0 || runs.length > CIRCUIT_BREAKER_LIMITS.batchRuns)
      throw new Error(`runs must be an array of 1 to ${CIRCUIT_BREAKER_LIMITS.batchRuns} runs`);
    const last = obj.lastFailure === undefined ? undefined : parseRecord(obj.lastFailure, 'lastFailure');
    const detail = last && optionalString(last, 'detail');
    return {
      batchId: requiredString(obj, 'batchId', REPORT_ID),
      sender: optionalString(obj, 'sender', ID),
      runs: runs.map(parseRun),
      ...(last
        ? {
            lastFailure: {
              sender: optionalString(last, 'sender', ID),
              detail: detail?.slice(0, CIRCUIT_BREAKER_LIMITS.detailLength),
            },
          }
        : {}),
    };
  },
);

/** Payload of {@link circuitBreakerSubscribeSignal} and {@link circuitBreakerUnsubscribeSignal}. */
export interface SubscriptionRequest {
  /** The subscriber's workflow id (no run id, so it survives the subscriber's continue-as-new). */
  workflowId: string;
}

const subscription = (raw: unknown): SubscriptionRequest => ({
  workflowId: requiredString(parseRecord(raw), 'workflowId', ID),
});

/** Wire name `circuit-breaker.subscribe`: the sender wants pause and resume signals. */
export const circuitBreakerSubscribeSignal = defineTypedSignal<SubscriptionRequest>(
  'circuit-breaker.subscribe',
  subscription,
);

/** Wire name `circuit-breaker.unsubscribe`: the sender no longer wants pause and resume signals. */
export const circuitBreakerUnsubscribeSignal = defineTypedSignal<SubscriptionRequest>(
  'circuit-breaker.unsubscribe',
  subscription,
);

/**
 * Payload of {@link circuitBreakerForceSignal}. `open` holds the breaker open (no cooldown ends it) until `closed` or
 * `release`; `closed` closes it now, resets the counters and resumes everyone, after which the usual
 * thresholds apply; `release` ends a forced open by starting a normal cooldown.
 */
export interface ForceCommand {
  mode: 'open' | 'closed' | 'release';
  reason?: string;
  sender?: string;
}

/** Wire name `circuit-breaker.force`: an operator's command. */
export const circuitBreakerForceSignal = defineTypedSignal<ForceCommand>('circuit-breaker.force', (raw) => {
  const obj = parseRecord(raw);
  return {
    mode: oneOf(obj, 'mode', ['open', 'closed', 'release']),
    reason: optionalString(obj, 'reason', { maxLength: CIRCUIT_BREAKER_LIMITS.reasonLength }),
    sender: optionalString(obj, 'sender', ID),
  };
});

/** Payload of the pause and resume signals a breaker sends to its subscribers. */
export interface BreakerNotice {
  dependency: string;
  state: BreakerState;
  /** Counts transitions; a subscriber ignores a notice older than one it already applied. */
  epoch: number;
  /** When it is worth asking for a probe permit, in ms from the notice (open only). */
  retryAfterMs: number;
  /** The breaker's workflow id. */
  sender: string;
}

const notice = (raw: unknown): BreakerNotice => {
  const obj = parseRecord(raw);
  return {
    dependency: requiredString(obj, 'dependency'),
    state: oneOf(obj, 'state', BREAKER_STATES),
    epoch: requiredNumber(obj, 'epoch'),
    retryAfterMs: requiredNumber(obj, 'retryAfterMs'),
    sender: requiredString(obj, 'sender'),
  };
};

/** Wire name `circuit-breaker.pause`: sent to every subscriber when the breaker opens. */
export const circuitBreakerPauseSignal = defineTypedSignal<BreakerNotice>('circuit-breaker.pause', notice);

/** Wire name `circuit-breaker.resume`: sent to every subscriber when the breaker closes. */
export const circuitBreakerResumeSignal = defineTypedSignal<BreakerNotice>('circuit-breaker.resume', notice);

/**
 * A permit request: `peek` only asks for the state and never takes a probe permit; `proceed` says the
 * guard gave up waiting and proceeds anyway (`onTimeout: 'proceed'`), so the breaker lets this caller's
 * next call through the activity wrapper (a permit that expires after `probeTimeout`).
 */
export interface PermitRequest {
  peek?: boolean;
  proceed?: boolean;
}

/**
 * The breaker's answer: `proceed` (closed), `probe` (half-open; this caller holds probe permit
 * `permitId`), or `wait` (ask again after `retryAfterMs`).
 */
export interface PermitResponse {
  decision: 'proceed' | 'probe' | 'wait';
  state: BreakerState;
  epoch: number;
  retryAfterMs: number;
  permitId?: string;
  /** Whether the requester is on the breaker's subscriber list. */
  subscribed?: boolean;
}

/**
 * Request/response `circuit-breaker.permit` (signals `circuit-breaker.permit.request` and
 * `.response`): how a workflow asks a breaker for its state or a probe permit.
 */
export const circuitBreakerPermitProtocol = defineRequestResponse<PermitRequest, PermitResponse>(
  'circuit-breaker.permit',
  {
    request: (raw) => {
      if (raw === undefined || raw === null) return {};
      const obj = parseRecord(raw);
      if (obj.peek !== undefined && typeof obj.peek !== 'boolean') throw new Error('peek must be a boolean');
      if (obj.proceed !== undefined && typeof obj.proceed !== 'boolean')
        throw new Error('proceed must be a boolean');
      return {
        peek: obj.peek as boolean | undefined,
        ...(obj.proceed === true ? { proceed: true } : {}),
      };
    },
    response: (raw) => {
      const obj = parseRecord(raw);
      return {
        decision: oneOf(obj, 'decision', ['proceed', 'probe', 'wait']),
        state: oneOf(obj, 'state', BREAKER_STATES),
        epoch: requiredNumber(obj, 'epoch'),
        retryAfterMs: requiredNumber(obj, 'retryAfterMs'),
        permitId: optionalString(obj, 'permitId', REPORT_ID),
        ...(typeof obj.subscribed === 'boolean' ? { subscribed: obj.subscribed } : {}),
      };
    },
  },
);

/** One state change, as listed in the inspection. */
export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  /** Epoch milliseconds (workflow time). */
  at: number;
  reason: string;
}

/** What an operator sees: the answer to the {@link circuitBreakerInspectQuery}. */
export interface BreakerInspection {
  dependency: string;
  state: BreakerState;
  /** Epoch milliseconds (workflow time) of the last transition. */
  since: number;
  epoch: number;
  /** `open` while an operator holds the breaker open. */
  forced?: 'open';
  /** When an open breaker turns half-open (epoch ms); absent when closed, half-open or forced open. */
  openUntil?: number;
  /** Outcomes counted since the breaker last closed. */
  counts: {
    consecutiveFailures: number;
    windowSize: number;
    windowFailures: number;
    halfOpenSuccesses: number;
  };
  /** Totals across runs. */
  totals: {
    successes: number;
    failures: number;
    opened: number;
    pruned: number;
    ignoredReports: number;
    /** Pause/resume batches sent, and the most signals one batch had pending at once. */
    noticeBatches: number;
    largestNoticeBatch: number;
  };
  probesInFlight: number;
  subscribers: string[];
  /** Subscribers still waiting for the latest pause or resume signal. */
  pendingNotices: number;
  lastFailure?: string;
  /** The latest transitions, oldest first (at most 20). */
  transitions: BreakerTransition[];
  /** How many runs this breaker has had (1 + continue-as-new count). */
  run: number;
}

/** Query `circuit-breaker.inspect`: state, counts, since when, subscribers. */
export const circuitBreakerInspectQuery = defineQuery<BreakerInspection>('circuit-breaker.inspect');

/**
 * What the activity wrapper asks a breaker before each call (cached per worker process for a short
 * while): the state, and whether `holder` (the calling workflow's id) holds a live permit.
 */
export interface BreakerStateView {
  state: BreakerState;
  epoch: number;
  /** Epoch ms (workflow time) of the last transition. */
  since: number;
  /** When an open breaker's cooldown ends (epoch ms); absent when not open or forced open. */
  openUntil?: number;
  forced?: 'open';
  /** When a caller refused now should ask the guard again, in ms (0 when closed). */
  retryAfterMs: number;
  /** The permit `holder` holds, if any: a half-open probe, or a guard's proceed-anyway. */
  permitId?: string;
  /** True when that permit is a probe. */
  probe?: boolean;
}

/**
 * Query `circuit-breaker.state`, with an optional holder workflow id: a small answer (no subscriber
 * list), cheap enough for every worker process to ask often.
 */
export const circuitBreakerStateQuery = defineQuery<BreakerStateView, [holder?: string]>(
  'circuit-breaker.state',
);
