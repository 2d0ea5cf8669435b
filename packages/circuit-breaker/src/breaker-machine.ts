import { payloadSize } from '@temporal-patterns/signal-utils/pattern-kit';
import type { ResolvedCircuitBreakerOptions } from './options.js';
import type {
  BreakerInspection,
  BreakerState,
  BreakerTransition,
  ForceCommand,
  BreakerStateView,
  OutcomeBatch,
  OutcomeReport,
  OutcomeRun,
  PermitRequest,
  PermitResponse,
} from './definitions.js';

/** Everything a breaker carries into its next run. Internal: only its own workflow builds one. */
export interface BreakerSnapshot {
  state: BreakerState;
  since: number;
  epoch: number;
  /** Epoch of the last transition to open or closed: every subscriber must have heard of it. */
  noticeEpoch: number;
  forced?: 'open';
  openUntil?: number;
  consecutiveFailures: number;
  /** Latest outcomes, oldest first: 1 = failure, 0 = success. */
  window: number[];
  halfOpenSuccesses: number;
  probes: Array<{ permitId: string; holder: string; expiresAt: number }>;
  /** Proceed-anyway permits of guards that gave up waiting (absent in runs recorded before them). */
  overrides?: Array<{ permitId: string; holder: string; expiresAt: number }>;
  totals: BreakerInspection['totals'];
  /** Subscriber id → epoch of the last notice delivered to it. */
  subscribers: Array<[string, number]>;
  lastFailure?: string;
  transitions: BreakerTransition[];
  run: number;
  seenReports: string[];
  answeredRequests: string[];
}

const MAX_TRANSITIONS = 20;
const MAX_SEEN_REPORTS = 1_000;

/**
 * What the breaker carries across continue-as-new, capped so the carried input stays far below Temporal's
 * 2 MiB payload limit whatever its input: sizes are the ids' encoded bytes (as the payload stores them).
 */
export const CARRIED_LIMITS = {
  /** Bytes of subscriber ids; a subscription beyond it is refused like one beyond `maxSubscribers`. */
  subscriberBytes: 768 * 1024,
  /** Bytes of report and batch ids remembered for deduplication; the oldest are forgotten beyond it. */
  seenReportBytes: 128 * 1024,
  /** Bytes of one probe or proceed-anyway holder id; a longer holder gets no permit. */
  holderBytes: 1_024,
  /** Proceed-anyway permits held at once; the oldest is dropped beyond it. */
  overrides: 100,
  /** Characters of a transition's reason and of the last failure. */
  reasonLength: 600,
  failureLength: 1_600,
} as const;

/** Encoded size of an id in the carried state, with its share of the surrounding JSON. */
function idBytes(id: string): number {
  return payloadSize(id) + 16;
}
/** Shortest retry hint, so callers never spin on a breaker whose timer is about to fire. */
const MIN_RETRY_MS = 50;

/** Result of a subscription attempt, for the workflow to log. */
export type SubscribeResult = 'added' | 'already' | 'full' | 'over-budget';

/**
 * The breaker's state machine and subscriber book, free of workflow APIs: every method takes the current
 * time, so the workflow stays deterministic and the logic stays readable in one place.
 */
export class BreakerMachine {
  private state: BreakerState;
  private since: number;
  private epoch: number;
  private noticeEpoch: number;
  private forced?: 'open';
  private openUntil?: number;
  private consecutiveFailures: number;
  private window: number[];
  private halfOpenSuccesses: number;
  private probes: BreakerSnapshot['probes'];
  private overrides: NonNullable<BreakerSnapshot['overrides']>;
  private readonly totals: BreakerInspection['totals'];
  private readonly subscribers: Map<string, number>;
  private readonly pending = new Set<string>();
  private lastFailure?: string;
  private readonly transitions: BreakerTransition[];
  private readonly run: number;
  private readonly seenReports: Set<string>;
  private seenReportBytes = 0;
  private subscriberBytes = 0;
  private readonly refusedPermits: string[] = [];

  /**
   * `onChange` is called whenever a deadline moves or a subscriber comes to be owed a notice: what the
   * workflow's main loop waits for.
   */
  constructor(
    readonly dependency: string,
    private readonly options: ResolvedCircuitBreakerOptions,
    now: number,
    carried?: BreakerSnapshot,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.state = carried?.state ?? 'closed';
    this.since = carried?.since ?? now;
    this.epoch = carried?.epoch ?? 0;
    this.noticeEpoch = carried?.noticeEpoch ?? 0;
    this.forced = carried?.forced;
    this.openUntil = carried?.openUntil;
    this.consecutiveFailures = carried?.consecutiveFailures ?? 0;
    this.window = [...(carried?.window ?? [])];
    this.halfOpenSuccesses = carried?.halfOpenSuccesses ?? 0;
    this.probes = [...(carried?.probes ?? [])];
    this.overrides = [...(carried?.overrides ?? [])];
    this.totals = {
      successes: 0,
      failures: 0,
      opened: 0,
      pruned: 0,
      ignoredReports: 0,
      noticeBatches: 0,
      largestNoticeBatch: 0,
      ...carried?.totals,
    };
    this.subscribers = new Map(carried?.subscribers ?? []);
    for (const id of this.subscribers.keys()) this.subscriberBytes += idBytes(id);
    this.lastFailure = carried?.lastFailure;
    this.transitions = [...(carried?.transitions ?? [])];
    this.run = (carried?.run ?? 0) + 1;
    this.seenReports = new Set();
    for (const id of carried?.seenReports ?? []) this.remember(id);
    for (const [id, delivered] of this.subscribers) if (delivered < this.noticeEpoch) this.pending.add(id);
  }

  get currentState(): BreakerState {
    return this.state;
  }

  /** Subscribers still owed the latest pause or resume notice. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Counts one outcome; returns false when it was a duplicate or arrived while open (ignored). */
  report(report: OutcomeReport, now: number): boolean {
    if (report.reportId !== undefined && !this.remember(report.reportId)) return false;
    const { outcome, startedAt, permitId } = report;
    const counted = this.countRun({ outcome, count: 1, startedAt, permitId }, now, report.sender);
    if (counted > 0 && outcome === 'failure')
      this.lastFailure = `${report.sender ?? 'unknown sender'}: ${report.detail ?? 'failure'}`.slice(
        0,
        CARRIED_LIMITS.failureLength,
      );
    return counted > 0;
  }

  /** Counts a batch of runs in order; returns how many calls counted (0 for a duplicate batch). */
  reportBatch(batch: OutcomeBatch, now: number): number {
    if (!this.remember(batch.batchId)) return 0;
    let counted = 0;
    let failures = 0;
    for (const run of batch.runs) {
      const n = this.countRun(run, now, undefined);
      counted += n;
      if (run.outcome === 'failure') failures += n;
    }
    if (failures > 0) {
      const last = batch.lastFailure;
      this.lastFailure = `${last?.sender ?? 'unknown sender'}: ${last?.detail ?? 'failure'}`.slice(
        0,
        CARRIED_LIMITS.failureLength,
      );
    }
    return counted;
  }

  /**
   * Permit ids of reports since the last call that held a permit this breaker did not issue or no longer
   * holds out (counted as ordinary reports), for the workflow to log.
   */
  takeRefusedPermits(): string[] {
    return this.refusedPermits.splice(0);
  }

  /** Whether `permitId` is a probe or proceed-anyway permit issued by this breaker and not yet used up. */
  private outstanding(permitId: string): boolean {
    return (
      this.probes.some((p) => p.permitId === permitId) || this.overrides.some((o) => o.permitId === permitId)
    );
  }

  /** Remembers a report or batch id; false when it was seen before. Bounded by count and bytes. */
  private remember(id: string): boolean {
    if (this.seenReports.has(id)) return false;
    this.seenReports.add(id);
    this.seenReportBytes += idBytes(id);
    while (
      this.seenReports.size > MAX_SEEN_REPORTS ||
      this.seenReportBytes > CARRIED_LIMITS.seenReportBytes
    ) {
      const oldest = this.seenReports.values().next().value as string;
      this.seenReports.delete(oldest);
      this.seenReportBytes -= idBytes(oldest);
    }
    return true;
  }

  /**
   * Counts `run.count` equal outcomes one by one (the breaker may open midway); returns how many counted.
   * `sender` is the reporting workflow's id as it claims it.
   */
  private countRun(run: OutcomeRun, now: number, sender: string | undefined): number {
    this.tick(now);
    // Only a permit this breaker issued and still holds out makes a report a probe's (or a proceed-anyway
    // call's): anyone can signal a report, and a made-up permit id must not close a half-open breaker.
    let permitId = run.permitId;
    if (permitId !== undefined && !this.outstanding(permitId)) {
      this.refusedPermits.push(permitId);
      permitId = undefined;
    }
    // Dependents started before reports carried their permit report a probe without it: theirs is the
    // probe their sender holds.
    if (permitId === undefined && this.state === 'half-open' && sender !== undefined)
      permitId = this.probes.find((p) => p.holder === sender)?.permitId;
    if (permitId !== undefined) this.overrides = this.overrides.filter((o) => o.permitId !== permitId);
    const stale =
      (this.epoch > 0 && permitId === undefined && (run.startedAt ?? now) < this.since) ||
      // Half-open, only the admitted probes decide; a call without a live permit was never admitted.
      (this.state === 'half-open' && permitId === undefined);
    let counted = 0;
    for (let i = 0; i < run.count; i += 1) {
      if (this.state === 'open' || stale) {
        // Calls admitted before the current state began (or while open) say nothing new about it. Before
        // the first transition every report counts: the breaker may have been started by this very report.
        this.totals.ignoredReports += run.count - i;
        break;
      }
      this.countOne(run.outcome === 'failure', permitId, now);
      counted += 1;
    }
    return counted;
  }

  private countOne(failed: boolean, permitId: string | undefined, now: number): void {
    if (failed) this.totals.failures += 1;
    else this.totals.successes += 1;
    if (permitId !== undefined) this.probes = this.probes.filter((p) => p.permitId !== permitId);
    switch (this.state) {
      case 'closed': {
        this.consecutiveFailures = failed ? this.consecutiveFailures + 1 : 0;
        this.window.push(failed ? 1 : 0);
        if (this.window.length > this.options.windowSize) this.window.shift();
        const windowFailures = this.window.reduce((sum, f) => sum + f, 0);
        if (this.consecutiveFailures >= this.options.failureThreshold) {
          this.transition('open', now, `${this.consecutiveFailures} consecutive failures`);
        } else if (
          this.window.length >= this.options.minimumCalls &&
          windowFailures / this.window.length >= this.options.failureRatio
        ) {
          this.transition('open', now, `${windowFailures} of the last ${this.window.length} calls failed`);
        }
        return;
      }
      case 'half-open':
        if (failed) {
          this.transition('open', now, 'a half-open probe failed');
        } else {
          this.halfOpenSuccesses += 1;
          if (this.halfOpenSuccesses >= this.options.successThreshold)
            this.transition('closed', now, `${this.halfOpenSuccesses} half-open probe(s) succeeded`);
        }
        return;
      default:
    }
  }

  /** Answers a permit request from `holder`; `newPermitId` is called only when a probe is granted. */
  permit(request: PermitRequest, holder: string, now: number, newPermitId: () => string): PermitResponse {
    this.tick(now);
    const answer = (decision: PermitResponse['decision'], retryAfterMs: number, permitId?: string) => ({
      decision,
      state: this.state,
      epoch: this.epoch,
      retryAfterMs,
      ...(permitId ? { permitId } : {}),
      subscribed: this.subscribers.has(holder),
    });
    if (this.state === 'closed') return answer('proceed', 0);
    // A permit carries its holder's id into the next run: an oversized one is never recorded.
    if (idBytes(holder) > CARRIED_LIMITS.holderBytes) return answer('wait', this.retryAfter(now));
    if (request.proceed) {
      // The guard gave up waiting and goes ahead: let its next call through the activity wrapper.
      const permitId = newPermitId();
      this.overrides = [
        ...this.overrides.filter((o) => o.holder !== holder && o.expiresAt > now),
        { permitId, holder, expiresAt: now + this.options.probeTimeoutMs },
      ].slice(-CARRIED_LIMITS.overrides);
      return answer('proceed', 0, permitId);
    }
    if (this.state === 'open') return answer('wait', this.retryAfter(now));
    if (request.peek) return answer('wait', 0);
    const held = this.probes.find((p) => p.holder === holder);
    if (held) return answer('probe', 0, held.permitId);
    if (this.probes.length < this.options.halfOpenProbes) {
      const permitId = newPermitId();
      this.probes.push({ permitId, holder, expiresAt: now + this.options.probeTimeoutMs });
      this.onChange();
      return answer('probe', 0, permitId);
    }
    return answer('wait', this.retryAfter(now));
  }

  /**
   * The state as the activity wrapper needs it, and the live permit `holder` holds. Changes nothing (it
   * answers a query): an open breaker whose cooldown has ended still says open until it is asked for a
   * permit, and then the caller's guard holds the probe permit.
   */
  stateView(holder: string | undefined, now: number): BreakerStateView {
    const probe = holder === undefined ? undefined : this.probes.find((p) => p.holder === holder);
    const override = holder === undefined ? undefined : this.overrides.find((o) => o.holder === holder);
    const permit =
      this.state === 'half-open' && probe && probe.expiresAt > now
        ? { permitId: probe.permitId, probe: true }
        : override && override.expiresAt > now && this.state !== 'closed'
          ? { permitId: override.permitId, probe: false }
          : {};
    return {
      state: this.state,
      epoch: this.epoch,
      since: this.since,
      ...(this.state === 'open' && this.openUntil !== undefined && !this.forced
        ? { openUntil: this.openUntil }
        : {}),
      ...(this.forced ? { forced: this.forced } : {}),
      retryAfterMs: this.state === 'closed' ? 0 : this.retryAfter(now),
      ...permit,
    };
  }

  /** Applies an operator's command. */
  force(command: ForceCommand, now: number): void {
    const by = `${command.sender ?? 'an operator'}${command.reason ? ` (${command.reason})` : ''}`;
    if (command.mode === 'open') {
      this.forced = 'open';
      if (this.state === 'open') {
        this.openUntil = undefined;
        this.onChange();
      } else {
        this.transition('open', now, `forced open by ${by}`);
      }
    } else if (command.mode === 'closed') {
      this.forced = undefined;
      if (this.state !== 'closed') this.transition('closed', now, `forced closed by ${by}`);
      else this.resetCounts();
    } else if (this.forced) {
      this.forced = undefined;
      this.openUntil = now + this.options.cooldownMs;
      this.onChange();
    }
  }

  /** Moves time forward: an elapsed cooldown turns half-open, expired probe permits are freed. */
  tick(now: number): void {
    if (this.state === 'open' && !this.forced && this.openUntil !== undefined && now >= this.openUntil) {
      this.transition('half-open', now, 'cooldown elapsed');
    }
    if (this.state === 'half-open') {
      const live = this.probes.filter((p) => p.expiresAt > now);
      if (live.length !== this.probes.length) {
        this.probes = live;
        this.onChange();
      }
    }
  }

  /** The next moment `tick` has work to do, if any. */
  nextDeadline(): number | undefined {
    if (this.state === 'open' && !this.forced) return this.openUntil;
    if (this.state === 'half-open' && this.probes.length > 0)
      return Math.min(...this.probes.map((p) => p.expiresAt));
    return undefined;
  }

  subscribe(workflowId: string): SubscribeResult {
    if (this.subscribers.has(workflowId)) return 'already';
    const bytes = idBytes(workflowId);
    if (this.subscribers.size >= this.options.maxSubscribers) return 'full';
    if (this.subscriberBytes + bytes > CARRIED_LIMITS.subscriberBytes) return 'over-budget';
    this.subscriberBytes += bytes;
    // A new subscriber assumes "closed"; it needs a notice only when the breaker is not.
    const delivered = this.state === 'closed' ? this.noticeEpoch : -1;
    this.subscribers.set(workflowId, delivered);
    if (delivered < this.noticeEpoch) {
      this.pending.add(workflowId);
      this.onChange();
    }
    return 'added';
  }

  unsubscribe(workflowId: string): boolean {
    this.pending.delete(workflowId);
    if (!this.subscribers.delete(workflowId)) return false;
    this.subscriberBytes -= idBytes(workflowId);
    return true;
  }

  /** Takes up to `max` subscribers owed a notice, and the notice to send them. */
  nextBatch(max: number): { ids: string[]; kind: 'pause' | 'resume'; noticeEpoch: number } {
    const ids: string[] = [];
    for (const id of this.pending) {
      if (ids.length >= max) break;
      ids.push(id);
    }
    this.totals.noticeBatches += 1;
    this.totals.largestNoticeBatch = Math.max(this.totals.largestNoticeBatch, ids.length);
    return { ids, kind: this.state === 'closed' ? 'resume' : 'pause', noticeEpoch: this.noticeEpoch };
  }

  /** Records that `id` got the notice of `noticeEpoch` (or gave up on it). */
  delivered(id: string, noticeEpoch: number): void {
    if (!this.subscribers.has(id)) return;
    this.subscribers.set(id, Math.max(noticeEpoch, this.subscribers.get(id) ?? -1));
    if ((this.subscribers.get(id) ?? -1) >= this.noticeEpoch) this.pending.delete(id);
  }

  /** Removes a subscriber whose workflow has closed. */
  prune(id: string): void {
    if (this.unsubscribe(id)) this.totals.pruned += 1;
  }

  /** The notice payload fields that describe the current state. */
  notice(now: number): { state: BreakerState; epoch: number; retryAfterMs: number } {
    return {
      state: this.state,
      epoch: this.epoch,
      retryAfterMs: this.state === 'open' ? this.retryAfter(now) : 0,
    };
  }

  inspect(now: number): BreakerInspection {
    const { dependency, state, since, epoch, forced, openUntil } = this;
    return {
      dependency,
      state,
      since,
      epoch,
      ...(forced ? { forced } : {}),
      // When it turns half-open; not while forced, which no cooldown ends.
      ...(state === 'open' && openUntil !== undefined && !forced ? { openUntil } : {}),
      counts: {
        consecutiveFailures: this.consecutiveFailures,
        windowSize: this.window.length,
        windowFailures: this.window.reduce((sum, f) => sum + f, 0),
        halfOpenSuccesses: this.halfOpenSuccesses,
      },
      totals: { ...this.totals },
      probesInFlight: this.probes.filter((p) => p.expiresAt > now).length,
      subscribers: [...this.subscribers.keys()],
      pendingNotices: this.pending.size,
      ...(this.lastFailure ? { lastFailure: this.lastFailure } : {}),
      transitions: [...this.transitions],
      run: this.run,
    };
  }

  snapshot(answeredRequests: string[]): BreakerSnapshot {
    return {
      state: this.state,
      since: this.since,
      epoch: this.epoch,
      noticeEpoch: this.noticeEpoch,
      ...(this.forced ? { forced: this.forced } : {}),
      ...(this.openUntil !== undefined ? { openUntil: this.openUntil } : {}),
      consecutiveFailures: this.consecutiveFailures,
      window: [...this.window],
      halfOpenSuccesses: this.halfOpenSuccesses,
      probes: [...this.probes],
      ...(this.overrides.length > 0 ? { overrides: [...this.overrides] } : {}),
      totals: { ...this.totals },
      subscribers: [...this.subscribers],
      ...(this.lastFailure ? { lastFailure: this.lastFailure } : {}),
      transitions: [...this.transitions],
      run: this.run,
      seenReports: [...this.seenReports],
      answeredRequests,
    };
  }

  private retryAfter(now: number): number {
    if (this.state === 'open')
      return this.forced || this.openUntil === undefined
        ? this.options.cooldownMs
        : Math.max(MIN_RETRY_MS, this.openUntil - now);
    const earliest = Math.min(...this.probes.map((p) => p.expiresAt));
    return Number.isFinite(earliest) ? Math.max(MIN_RETRY_MS, earliest - now) : MIN_RETRY_MS;
  }

  private resetCounts(): void {
    this.consecutiveFailures = 0;
    this.window = [];
    this.halfOpenSuccesses = 0;
    this.probes = [];
  }

  private transition(to: BreakerState, now: number, reason: string): void {
    const from = this.state;
    this.state = to;
    this.since = now;
    this.epoch += 1;
    this.transitions.push({ from, to, at: now, reason: reason.slice(0, CARRIED_LIMITS.reasonLength) });
    if (this.transitions.length > MAX_TRANSITIONS) this.transitions.shift();
    this.resetCounts();
    if (to === 'open') {
      this.totals.opened += 1;
      this.openUntil = this.forced ? undefined : now + this.options.cooldownMs;
    } else {
      this.openUntil = undefined;
    }
    if (to !== 'half-open') {
      // Every subscriber hears of each open and each close; half-open is not announced.
      this.noticeEpoch = this.epoch;
      for (const id of this.subscribers.keys()) this.pending.add(id);
    }
    this.onChange();
  }
}
