/**
 * The `./definitions` entry (workflow-safe): the signals and query a fan-out parent and its children
 * exchange, with their payload types and validators, for children written by hand (without
 * `runFanoutChild`) and tools that signal a fan-out directly. Applications use the root and client
 * entries.
 *
 * Wire names (`fanout.child-report`) are a public contract: changing one breaks running fan-outs and
 * their children, and wants a changeset that says so.
 */
import { defineQuery } from '@temporalio/workflow';
import { defineTypedSignal, isDataRef, type DataRef } from '@temporal-patterns/signal-utils';
import {
  integerAtLeast,
  oneOf,
  optionalNumber,
  optionalString,
  parseRecord,
  requiredString,
  type PayloadRecord,
} from '@temporal-patterns/signal-utils/pattern-kit';

/**
 * What children receive as input and report as result: a short string (an id, a key, a URI) or a
 * `DataRef`. Fan-outs move references, never the data: every reference is kept in history.
 */
export type FanoutRef = string | DataRef;

/** Who a child is within a fan-out; carried by the start and clean-up signals and echoed by reports. */
export interface FanoutChildIdentity {
  /** Id of this fan-out: the parent's first run id, so reports from an older fan-out with the same parent id are told apart. */
  fanoutId: string;
  /** The parent's workflow id. Children report to it without a run id, so reports reach its latest run. */
  parentWorkflowId: string;
  /** Position of the child's input in the fan-out's `inputs`. */
  index: number;
  /** The child's workflow id. */
  childId: string;
}

/** Payload of {@link fanoutStartSignal}. */
export interface FanoutStart extends FanoutChildIdentity {
  /** The input reference to work on. */
  input: FanoutRef;
  /** When the parent gives up on this child (epoch ms, workflow time), if it has a per-child or overall deadline. */
  deadline?: number;
}

/** Why a child is asked to clean up. */
export type FanoutCleanupReason =
  'fail-fast' | 'quorum-reached' | 'quorum-impossible' | 'timed-out' | 'cancelled';

/** Payload of {@link fanoutCleanupSignal}. */
export interface FanoutCleanup extends FanoutChildIdentity {
  reason: FanoutCleanupReason;
}

/** Payload of {@link fanoutReportSignal}. */
export interface FanoutReport extends FanoutChildIdentity {
  /** `done` with a result, `failed` with a reason, or `cleaned-up` after a clean-up request. */
  status: 'done' | 'failed' | 'cleaned-up';
  /** Where the result is (status `done`). */
  resultRef?: FanoutRef;
  /** A number the parent sums over every `done` child (records written, bytes, cents…). */
  value?: number;
  /** Why the child failed (status `failed`). */
  error?: string;
}

/** Counts a progress query returns. */
export interface FanoutProgress {
  /** `running` until the policy or a deadline decides, `cleaning-up` while stragglers are cleaned up, then `finished`. */
  phase: 'running' | 'cleaning-up' | 'finished';
  total: number;
  /** Children released with a start signal so far. */
  started: number;
  /** Children released and not yet ended (never more than the window). */
  running: number;
  done: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  skipped: number;
  /** Children without an outcome yet. */
  pending: number;
  /** Highest number of children running at once so far. */
  maxRunning: number;
  /** Reports ignored because the child already had an outcome. */
  duplicateReports: number;
  /** Reports rejected as malformed or from unknown children. */
  rejectedReports: number;
  /** Which run of the parent answers (1 for the first; +1 per continue-as-new). */
  run: number;
}

/** True for a valid {@link FanoutRef}: a non-empty string or a `DataRef`. */
export function isFanoutRef(value: unknown): value is FanoutRef {
  return (typeof value === 'string' && value.length > 0) || isDataRef(value);
}

function optionalRef(r: PayloadRecord, key: string): FanoutRef | undefined {
  const value = r[key];
  if (value === undefined) return undefined;
  if (!isFanoutRef(value)) throw new Error(`${key} must be a non-empty string or a DataRef`);
  return value;
}

/** The identity fields every fan-out signal carries, and the whole record for the other fields. */
function parseIdentity(raw: unknown): { r: PayloadRecord; identity: FanoutChildIdentity } {
  const r = parseRecord(raw);
  const fanoutId = requiredString(r, 'fanoutId');
  const parentWorkflowId = requiredString(r, 'parentWorkflowId');
  const childId = requiredString(r, 'childId');
  const index = integerAtLeast(r, 'index', 0);
  return { r, identity: { fanoutId, parentWorkflowId, index, childId } };
}

/** Wire name `fanout.start`: the parent releases a waiting child with its input reference. */
export const fanoutStartSignal = defineTypedSignal<FanoutStart>('fanout.start', (raw) => {
  const { r, identity } = parseIdentity(raw);
  const input = optionalRef(r, 'input');
  if (input === undefined) throw new Error('input must be a non-empty string or a DataRef');
  const deadline = optionalNumber(r, 'deadline');
  return { ...identity, input, ...(deadline !== undefined ? { deadline } : {}) };
});

const cleanupReasons: readonly FanoutCleanupReason[] = [
  'fail-fast',
  'quorum-reached',
  'quorum-impossible',
  'timed-out',
  'cancelled',
];

/** Wire name `fanout.clean-up`: the parent asks a child to stop, tidy up and report `cleaned-up`. */
export const fanoutCleanupSignal = defineTypedSignal<FanoutCleanup>('fanout.clean-up', (raw) => {
  const { r, identity } = parseIdentity(raw);
  return { ...identity, reason: oneOf(r, 'reason', cleanupReasons) };
});

/**
 * Wire name `fanout.liveness-check`: the parent checks that a child started by an earlier run of the
 * parent is still open. Only delivery matters: signalling a closed child fails, which tells the parent
 * the child closed without reporting. `runFanoutChild` ignores it; a child written by hand may too.
 */
export const fanoutLivenessCheckSignal = defineTypedSignal<FanoutChildIdentity>(
  'fanout.liveness-check',
  (raw) => parseIdentity(raw).identity,
);

/** Wire name `fanout.child-report`: a child tells its parent it is done, failed or cleaned up. */
export const fanoutReportSignal = defineTypedSignal<FanoutReport>('fanout.child-report', (raw) => {
  const { r, identity } = parseIdentity(raw);
  const status = oneOf(r, 'status', ['done', 'failed', 'cleaned-up'] as const);
  const resultRef = optionalRef(r, 'resultRef');
  const value = optionalNumber(r, 'value');
  const error = optionalString(r, 'error');
  return {
    ...identity,
    status,
    ...(resultRef !== undefined ? { resultRef } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(error !== undefined ? { error } : {}),
  };
});

/** Wire name `fanout.progress`: counts of started, running, done, failed and pending children. */
export const fanoutProgressQuery = defineQuery<FanoutProgress>('fanout.progress');
