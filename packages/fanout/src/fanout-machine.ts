/**
 * The fan-out's decisions, free of workflow APIs so they are tested without a server: which child to
 * start and release next within the window, what a report, a child's close or a deadline means for its
 * outcome, when the policy stops the fan-out, and what the summary says. Methods that depend on time
 * take `now`. The workflow carries out the commands they return, in the order returned, so a replay
 * issues the same commands as the original run.
 */
import type { FanoutCleanupReason, FanoutProgress, FanoutRef, FanoutReport } from './definitions.js';
import { payloadSize } from '@temporal-patterns/signal-utils/pattern-kit';
import { MAX_OUTCOME_ERROR_BYTES, type FanoutConfig } from './fanout-options.js';
import {
  newFanoutState,
  type ActiveChild,
  type CompactOutcome,
  type FanoutCarriedState,
  type FanoutCounts,
  type FanoutStop,
} from './fanout-state.js';
import type { FanoutSummary } from './fanout-summary.js';

/** What the workflow does for one child. */
export type FanoutCommand =
  | { kind: 'start'; index: number }
  | { kind: 'release'; index: number; input: FanoutRef; deadline?: number }
  | { kind: 'clean-up'; index: number; reason: FanoutCleanupReason }
  | { kind: 'cancel'; index: number }
  | { kind: 'check'; index: number };

/** What {@link FanoutMachine.step} decided: commands to carry out, and the stop it decided on, if any. */
export interface FanoutStep {
  commands: FanoutCommand[];
  /** Set on the step that stopped the fan-out, with the counts it stopped on (for the log). */
  stopped?: FanoutStop & { counts: FanoutCounts };
}

/** Where a machine starts from. */
export interface FanoutMachineInit {
  /** Child workflow ids are this prefix plus the input's index. */
  childIdPrefix: string;
  /** Id of a new fan-out: the parent's first run id. A carried state keeps its own. */
  fanoutId: string;
  /** Workflow time now: a new fan-out's deadline counts from it. */
  now: number;
  /** The previous run's state, when this run continued as new. */
  carried?: FanoutCarriedState;
  /**
   * Whether to check that running children started by an earlier run are still open (`check`
   * commands). Off only to replay histories recorded before the check existed. Defaults to true.
   */
  checkLiveness?: boolean;
}

/** The fan-out's children, outcomes and policy, as a state machine. */
export class FanoutMachine {
  private readonly st: FanoutCarriedState;
  /** Children started and not ended, in input order. */
  private readonly active: Map<number, ActiveChild>;
  private readonly total: number;
  private readonly childIdPrefix: string;
  /** Starts, releases and outcomes in this run: a run that made none must not continue as new. */
  private progressThisRun = 0;
  /** Children this run started: it learns of their closing itself, so they need no liveness check. */
  private readonly watched = new Set<number>();
  private readonly checkLiveness: boolean;

  constructor(
    private readonly config: FanoutConfig,
    init: FanoutMachineInit,
  ) {
    this.total = config.inputs.length;
    this.childIdPrefix = init.childIdPrefix;
    const { carried } = init;
    this.st = carried
      ? { ...carried, run: carried.run + 1 }
      : newFanoutState(init.fanoutId, init.now, this.total);
    this.active = new Map(this.st.active.map((a) => [a.index, { ...a }]));
    this.checkLiveness = init.checkLiveness ?? true;
  }

  /** Id of this fan-out (its first run's id), which every signal carries. */
  get fanoutId(): string {
    return this.st.fanoutId;
  }

  /** What ended the fan-out early, once something did. */
  get stop(): FanoutStop | undefined {
    return this.st.stop;
  }

  /** True once this run started, released or settled a child. */
  get madeProgress(): boolean {
    return this.progressThisRun > 0;
  }

  /** The workflow id of the child for input `index`. */
  childIdOf(index: number): string {
    return `${this.childIdPrefix}${index}`;
  }

  /** Children released and not yet ended. */
  running(): number {
    let count = 0;
    for (const a of this.active.values()) if (a.released) count++;
    return count;
  }

  /**
   * Counts a child's report: its first report decides its outcome, later ones count as duplicates.
   * Returns why the report was rejected (another fan-out, an unknown or unreleased child), or
   * `undefined` when it was counted. A `done` report whose `resultRef` is over `maxResultRefBytes` counts
   * as the child's failure: carrying it could push the state past Temporal's payload limit.
   */
  report(report: FanoutReport): string | undefined {
    const { counts, outcomes } = this.st;
    const reject = (reason: string): string => {
      counts.rejectedReports++;
      return reason;
    };
    if (report.fanoutId !== this.st.fanoutId) return reject(`it belongs to fan-out ${report.fanoutId}`);
    if (report.index >= this.total) return reject(`index out of range (${this.total} children)`);
    if (report.childId !== this.childIdOf(report.index)) {
      return reject(`expected child id ${this.childIdOf(report.index)}`);
    }
    const child = this.active.get(report.index);
    if (outcomes[report.index]) {
      if (report.status !== 'cleaned-up') counts.duplicateReports++;
    } else if (!child || !child.released) {
      return reject('the child was never released');
    } else if (report.status === 'done') {
      const refusal = this.refRefusal(report.resultRef);
      this.settle(
        report.index,
        refusal !== undefined
          ? { s: 'failed', e: refusal }
          : {
              s: 'done',
              ...(report.resultRef !== undefined ? { r: report.resultRef } : {}),
              ...(report.value !== undefined ? { v: report.value } : {}),
            },
      );
    } else if (report.status === 'failed') {
      this.settle(report.index, { s: 'failed', e: report.error ?? 'failed' });
    } else {
      this.settle(report.index, { s: 'cancelled', e: 'the child cleaned up on its own' });
    }
    if (child && child.phase !== 'starting') this.end(report.index);
    return undefined;
  }

  /** Counts a report that failed validation. */
  rejectMalformed(): void {
    this.st.counts.rejectedReports++;
  }

  /** The child's start was acknowledged: it waits for its start signal. */
  started(index: number): void {
    const child = this.active.get(index);
    if (child?.phase === 'starting') child.phase = 'waiting';
    this.watched.add(index);
  }

  /** The child could not be started: it failed. */
  startFailed(index: number, message: string): void {
    this.settle(index, { s: 'failed', e: `could not start: ${message}` });
    this.end(index);
  }

  /** The child's start signal could not be sent: it failed. */
  releaseFailed(index: number, message: string): void {
    this.settle(index, { s: 'failed', e: `could not release: ${message}` });
    this.end(index);
  }

  /** The child was cancelled, or found closed when it was to be cleaned up or cancelled. */
  ended(index: number): void {
    this.end(index);
  }

  /**
   * A child closed; without an outcome it failed with `reason`. Returns false when it had already
   * ended, so nothing changed.
   */
  childClosed(index: number, reason: string): boolean {
    if (!this.active.has(index)) return false;
    this.settle(index, { s: 'failed', e: reason });
    this.end(index);
    return true;
  }

  /** The parent was cancelled: the fan-out stops and cleans up its children. */
  cancel(): void {
    this.st.stop ??= { status: 'failed', reason: 'cancelled' };
  }

  /**
   * Times out children past their deadline, stops the fan-out when its policy or deadline says so (asking
   * its children to clean up and skipping the rest), and cancels children whose clean-up grace ran out.
   */
  step(now: number): FanoutStep {
    const commands: FanoutCommand[] = [];
    let stopped = this.decide(now);
    for (const child of this.active.values()) {
      const deadline = this.childDeadline(child);
      if (child.phase === 'running' && deadline !== undefined && now >= deadline) {
        this.settle(child.index, { s: 'timed-out', e: 'no report before the deadline' });
        commands.push(this.cleanUp(child, 'timed-out', now));
      }
    }
    stopped ??= this.decide(now);
    const { stop } = this.st;
    if (stop) {
      const { reason } = stop;
      for (const child of this.active.values()) {
        if (child.phase === 'waiting') {
          this.settle(child.index, { s: 'skipped', e: `never released (${reason})` });
          commands.push(this.cleanUp(child, reason, now));
        } else if (child.phase === 'running') {
          this.settle(
            child.index,
            reason === 'timed-out'
              ? { s: 'timed-out', e: 'no report before the deadline' }
              : { s: 'cancelled', e: `cancelled (${reason})` },
          );
          commands.push(this.cleanUp(child, reason, now));
        }
      }
      for (; this.st.nextToStart < this.total; this.st.nextToStart++) {
        this.settle(this.st.nextToStart, { s: 'skipped', e: `never released (${reason})` });
      }
    }
    for (const child of this.active.values()) {
      if (child.phase === 'cleaning' && child.cleanupBy !== undefined && now >= child.cleanupBy) {
        child.phase = 'cancelling';
        commands.push({ kind: 'cancel', index: child.index });
      }
    }
    commands.push(...this.livenessChecks(now));
    return stopped ? { commands, stopped } : { commands };
  }

  /**
   * Running children this run did not start: nothing tells this run when they close, so they are
   * checked every `livenessCheckInterval`. Waiting children need no check (their release fails if they
   * closed), nor do children being cleaned up (their grace ends in a cancellation).
   */
  private livenessChecks(now: number): FanoutCommand[] {
    if (!this.checkLiveness) return [];
    const unwatched = [...this.active.values()].filter(
      (a) => a.phase === 'running' && !this.watched.has(a.index),
    );
    if (unwatched.length === 0) {
      delete this.st.livenessCheckAt;
      return [];
    }
    const interval = this.config.livenessCheckIntervalMs;
    if (this.st.livenessCheckAt === undefined) {
      this.st.livenessCheckAt = now + interval;
      return [];
    }
    if (now < this.st.livenessCheckAt) return [];
    this.st.livenessCheckAt = now + interval;
    // A check adds history: count it, so a run that only checks may still continue as new.
    this.progressThisRun++;
    return unwatched.sort((a, b) => a.index - b.index).map((a) => ({ kind: 'check', index: a.index }));
  }

  /**
   * Starts children until `startAhead` wait for their start signal, then releases waiting children in
   * input order while fewer than `window` run. Nothing once the fan-out has stopped.
   */
  launch(now: number): FanoutCommand[] {
    const commands: FanoutCommand[] = [];
    let waiting = 0;
    for (const a of this.active.values()) if (!a.released) waiting++;
    while (!this.st.stop && this.st.nextToStart < this.total && waiting < this.config.startAhead) {
      const index = this.st.nextToStart++;
      this.active.set(index, { index, phase: 'starting', released: false });
      this.progressThisRun++;
      commands.push({ kind: 'start', index });
      waiting++;
    }
    let slots = this.config.window - this.running();
    // Children are released in input order.
    for (const child of [...this.active.values()].sort((a, b) => a.index - b.index)) {
      if (slots <= 0 || this.st.stop) break;
      if (child.phase === 'waiting') {
        commands.push(this.release(child, now));
        slots--;
      }
    }
    return commands;
  }

  /** When the machine next has something to decide: the earliest deadline or clean-up grace. */
  nextWakeAt(): number | undefined {
    let at: number | undefined;
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    };
    // Only while some child has no outcome: past the deadline that would wake the loop again and again.
    const { deadlineMs } = this.config;
    if (!this.st.stop && deadlineMs !== undefined && this.st.outcomes.some((o) => o === null)) {
      consider(this.st.startedAt + deadlineMs);
    }
    for (const child of this.active.values()) {
      if (child.phase === 'running') consider(this.childDeadline(child));
      if (child.phase === 'cleaning') consider(child.cleanupBy);
    }
    consider(this.st.livenessCheckAt);
    return at;
  }

  /** True when every child has an outcome and has ended, and no command is still in flight. */
  finished(pendingCommands: number): boolean {
    return (
      this.st.nextToStart >= this.total &&
      this.active.size === 0 &&
      pendingCommands === 0 &&
      this.st.outcomes.every((o) => o !== null)
    );
  }

  /** The counts the progress query answers. */
  progress(pendingCommands: number): FanoutProgress {
    const c = this.st.counts;
    return {
      phase: this.finished(pendingCommands) ? 'finished' : this.st.stop ? 'cleaning-up' : 'running',
      total: this.total,
      started: c.released,
      running: this.running(),
      done: c.done,
      failed: c.failed,
      timedOut: c.timedOut,
      cancelled: c.cancelled,
      skipped: c.skipped,
      pending: this.st.outcomes.filter((o) => o === null).length,
      maxRunning: c.maxRunning,
      duplicateReports: c.duplicateReports,
      rejectedReports: c.rejectedReports,
      run: this.st.run,
    };
  }

  /** What the fan-out returns once finished. */
  summary(): FanoutSummary {
    const c = this.st.counts;
    return {
      status: this.st.stop?.status ?? 'completed',
      ...(this.st.stop ? { reason: this.st.stop.reason } : {}),
      total: this.total,
      done: c.done,
      failed: c.failed,
      timedOut: c.timedOut,
      cancelled: c.cancelled,
      skipped: c.skipped,
      valueSum: c.valueSum,
      runs: this.st.run,
      maxRunning: c.maxRunning,
      duplicateReports: c.duplicateReports,
      rejectedReports: c.rejectedReports,
      outcomes: this.st.outcomes.map((o, index) => ({
        index,
        childId: this.childIdOf(index),
        status: o?.s ?? 'skipped',
        ...(o?.r !== undefined ? { resultRef: o.r } : {}),
        ...(o?.v !== undefined ? { value: o.v } : {}),
        ...(o?.e !== undefined ? { error: o.e } : {}),
      })),
    };
  }

  /** The state the next run starts from. */
  snapshot(): FanoutCarriedState {
    return { ...this.st, active: [...this.active.values()].map((a) => ({ ...a })) };
  }

  /** Why a result reference is refused (over `maxResultRefBytes`), or `undefined` when it fits. */
  private refRefusal(ref: FanoutRef | undefined): string | undefined {
    const cap = this.config.maxResultRefBytes;
    if (cap === undefined || ref === undefined) return undefined;
    const size = payloadSize(ref);
    return size > cap ? `resultRef takes ${size} bytes, more than maxResultRefBytes (${cap})` : undefined;
  }

  private settle(index: number, outcome: CompactOutcome): void {
    if (this.st.outcomes[index]) return;
    const cap = this.config.maxResultRefBytes;
    if (outcome.e !== undefined && cap !== undefined) {
      outcome.e = truncateToBytes(outcome.e, Math.min(cap, MAX_OUTCOME_ERROR_BYTES));
    }
    this.st.outcomes[index] = outcome;
    this.progressThisRun++;
    const c = this.st.counts;
    if (outcome.s === 'done') {
      c.done++;
      c.valueSum += outcome.v ?? 0;
    } else if (outcome.s === 'failed') c.failed++;
    else if (outcome.s === 'timed-out') c.timedOut++;
    else if (outcome.s === 'cancelled') c.cancelled++;
    else c.skipped++;
  }

  private end(index: number): void {
    this.active.delete(index);
  }

  /** The policy's or the deadline's verdict, once: returns the stop it decided on now. */
  private decide(now: number): FanoutStep['stopped'] {
    if (this.st.stop) return undefined;
    const c = this.st.counts;
    const { deadlineMs, policy } = this.config;
    const n = this.total;
    const settled = c.done + c.failed + c.timedOut + c.cancelled + c.skipped;
    if (deadlineMs !== undefined && now >= this.st.startedAt + deadlineMs && settled < n) {
      this.st.stop = { status: 'timed-out', reason: 'timed-out' };
    } else if (policy === 'fail-fast' && c.failed + c.timedOut > 0) {
      this.st.stop = { status: 'failed', reason: 'fail-fast' };
    } else if (typeof policy === 'object') {
      if (c.done >= policy.quorum) this.st.stop = { status: 'completed', reason: 'quorum-reached' };
      else if (n - (c.failed + c.timedOut + c.cancelled + c.skipped) < policy.quorum) {
        this.st.stop = { status: 'failed', reason: 'quorum-impossible' };
      }
    }
    return this.st.stop ? { ...this.st.stop, counts: { ...c } } : undefined;
  }

  /** When a released child is timed out: its own timeout or the fan-out's deadline, whichever is first. */
  private childDeadline(child: ActiveChild): number | undefined {
    const { childTimeoutMs, deadlineMs } = this.config;
    const perChild =
      childTimeoutMs !== undefined && child.releasedAt !== undefined
        ? child.releasedAt + childTimeoutMs
        : undefined;
    const overall = deadlineMs !== undefined ? this.st.startedAt + deadlineMs : undefined;
    if (perChild === undefined) return overall;
    return overall === undefined ? perChild : Math.min(perChild, overall);
  }

  private release(child: ActiveChild, now: number): FanoutCommand {
    child.phase = 'running';
    child.released = true;
    child.releasedAt = now;
    this.st.counts.released++;
    this.st.counts.maxRunning = Math.max(this.st.counts.maxRunning, this.running());
    this.progressThisRun++;
    const deadline = this.childDeadline(child);
    const input = this.config.inputs[child.index]!;
    return { kind: 'release', index: child.index, input, ...(deadline !== undefined ? { deadline } : {}) };
  }

  private cleanUp(child: ActiveChild, reason: FanoutCleanupReason, now: number): FanoutCommand {
    child.phase = 'cleaning';
    child.cleanupBy = now + this.config.cleanupGraceMs;
    return { kind: 'clean-up', index: child.index, reason };
  }
}

/** `text` cut (with `…`) so it encodes to at most `maxBytes` as JSON, as it is carried. */
export function truncateToBytes(text: string, maxBytes: number): string {
  if (payloadSize(text) <= maxBytes) return text;
  let fits = 0;
  let tooLong = text.length;
  while (tooLong - fits > 1) {
    const mid = (fits + tooLong) >> 1;
    if (payloadSize(`${text.slice(0, mid)}…`) <= maxBytes) fits = mid;
    else tooLong = mid;
  }
  return `${text.slice(0, fits)}…`;
}
