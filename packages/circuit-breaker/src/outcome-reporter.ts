/**
 * The worker side of reporting: one reporter per worker process and breaker collects the outcomes of
 * every wrapped activity and sends them as one batch signal per flush, so the signals a breaker receives
 * grow with the number of worker processes, not with the call rate. Used by the client entry only.
 */
import { CIRCUIT_BREAKER_LIMITS, type OutcomeBatch, type OutcomeRun } from './definitions.js';

/**
 * Runs a reporter holds unsent: they pile up while a batch is in flight (one at a time, so a slow or
 * unreachable breaker holds them up). Beyond it the oldest are dropped, and the next batch logs how many.
 */
export const MAX_PENDING_RUNS = 5 * CIRCUIT_BREAKER_LIMITS.batchRuns;

/** Sends one batch; rejects when it could not be delivered. */
export type BatchSender = (batch: OutcomeBatch) => Promise<void>;

/** Where a reporter logs what it could not send. */
export type ReporterLog = (message: string) => void;

/**
 * Collects outcomes and flushes them as {@link OutcomeBatch}es, one batch in flight at a time. A batch
 * goes out at most every `flushMs`: a failure is sent as soon as that allows (at once after a quiet
 * spell, so the first failures reach the breaker without waiting), successes wait `flushMs` to gather.
 */
export class OutcomeReporter {
  private runs: OutcomeRun[] = [];
  private lastFailure?: OutcomeBatch['lastFailure'];
  private hasFailure = false;
  private pendingSince = 0;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private inflight?: Promise<void>;
  private timer?: { at: number; handle: ReturnType<typeof setTimeout> };
  private dropped = 0;
  /** Batches sent so far (for tests and logs). */
  batchesSent = 0;

  constructor(
    private readonly flushMs: number,
    private readonly send: BatchSender,
    private readonly log: ReporterLog,
    /** Called after a batch with failures was delivered: the breaker may have opened. */
    private readonly onFailuresDelivered: () => void,
    /** Names this process in the batches (a worker identity). */
    private readonly sender: string,
    private readonly newBatchId: () => string,
  ) {}

  /** Adds one call's outcome; never throws and never waits. */
  record(
    outcome: OutcomeRun['outcome'],
    startedAt: number,
    extra: { permitId?: string; sender?: string; detail?: string } = {},
  ): void {
    const last = this.runs.at(-1);
    if (last && last.outcome === outcome && last.permitId === undefined && extra.permitId === undefined) {
      last.count += 1;
      last.startedAt = Math.max(last.startedAt ?? startedAt, startedAt);
    } else {
      if (this.runs.length === 0) this.pendingSince = Date.now();
      this.runs.push({
        outcome,
        count: 1,
        startedAt,
        ...(extra.permitId ? { permitId: extra.permitId } : {}),
      });
      if (this.runs.length > MAX_PENDING_RUNS) {
        this.dropped += this.runs.shift()?.count ?? 0;
      }
    }
    if (outcome === 'failure') {
      this.hasFailure = true;
      this.lastFailure = {
        ...(extra.sender ? { sender: extra.sender.slice(0, CIRCUIT_BREAKER_LIMITS.workflowIdLength) } : {}),
        ...(extra.detail ? { detail: extra.detail.slice(0, CIRCUIT_BREAKER_LIMITS.detailLength) } : {}),
      };
    }
    this.schedule();
  }

  /** Sends everything collected now (waiting for a batch in flight first); for shutdown and tests. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.inflight || this.runs.length > 0) {
      if (this.inflight) await this.inflight;
      else await this.flushNow();
    }
  }

  private schedule(): void {
    if (this.inflight || this.runs.length === 0) return;
    const earliest = this.lastFlushAt + this.flushMs;
    const at = this.hasFailure ? earliest : Math.max(earliest, this.pendingSince + this.flushMs);
    if (this.timer && this.timer.at <= at) return;
    this.clearTimer();
    const delay = at - Date.now();
    if (delay <= 0) {
      void this.flushNow();
      return;
    }
    const handle = setTimeout(() => {
      this.timer = undefined;
      void this.flushNow();
    }, delay);
    // A pending report must not keep a finished process alive.
    handle.unref?.();
    this.timer = { at, handle };
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = undefined;
  }

  private flushNow(): Promise<void> {
    if (this.inflight) return this.inflight;
    const runs = this.runs.splice(0, CIRCUIT_BREAKER_LIMITS.batchRuns);
    if (runs.length === 0) return Promise.resolve();
    const failures = runs.some((r) => r.outcome === 'failure');
    const batch: OutcomeBatch = {
      batchId: this.newBatchId(),
      sender: this.sender,
      runs,
      ...(failures && this.lastFailure ? { lastFailure: this.lastFailure } : {}),
    };
    this.hasFailure = this.runs.some((r) => r.outcome === 'failure');
    this.pendingSince = Date.now();
    this.lastFlushAt = Date.now();
    if (this.dropped > 0) {
      this.log(`dropped ${this.dropped} outcomes the breaker could not take in time`);
      this.dropped = 0;
    }
    this.inflight = this.send(batch)
      .then(
        () => {
          this.batchesSent += 1;
          if (failures) this.onFailuresDelivered();
        },
        (err: unknown) => this.log(`could not report ${countOf(runs)} outcomes: ${String(err)}`),
      )
      .finally(() => {
        this.inflight = undefined;
        this.schedule();
      });
    return this.inflight;
  }
}

function countOf(runs: OutcomeRun[]): number {
  return runs.reduce((sum, r) => sum + r.count, 0);
}
