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
      reportId: optionalString(obj, 'reportId'),
      permitId: optionalString(obj, 'permitId'),
      sender: optionalString(obj, 'sender'),
      detail: detail?.slice(0, 500),
    };
  },
);

/** Payload of {@link circuitBreakerSubscribeSignal} and {@link circuitBreakerUnsubscribeSignal}. */
export interface SubscriptionRequest {
  /** The subscriber's workflow id (no run id, so it survives the subscriber's continue-as-new). */
  workflowId: string;
}

const subscription = (raw: unknown): SubscriptionRequest => ({
  workflowId: requiredString(parseRecord(raw), 'workflowId'),
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
    reason: optionalString(obj, 'reason'),
    sender: optionalString(obj, 'sender'),
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

/** A permit request: `peek` only asks for the state and never takes a probe permit. */
export interface PermitRequest {
  peek?: boolean;
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
      return { peek: obj.peek as boolean | undefined };
    },
    response: (raw) => {
      const obj = parseRecord(raw);
      return {
        decision: oneOf(obj, 'decision', ['proceed', 'probe', 'wait']),
        state: oneOf(obj, 'state', BREAKER_STATES),
        epoch: requiredNumber(obj, 'epoch'),
        retryAfterMs: requiredNumber(obj, 'retryAfterMs'),
        permitId: optionalString(obj, 'permitId'),
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
