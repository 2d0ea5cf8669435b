import { log } from '@temporalio/workflow';
import { ExternalWorkflowNotFoundError, signalWorkflow } from '@temporal-patterns/signal-utils';
import { DEFAULT_MAX_PAYLOAD_BYTES, payloadSize } from '@temporal-patterns/signal-utils/pattern-kit';
import { pipelineItemsSignal, type EdgeEntry, type ItemEnvelope } from './definitions.js';

// Per-item sequence numbers on every edge, carried in batches. signal-utils' SequencedReceiver numbers
// whole signals and registers its own handler, so it cannot take several numbered items from one signal;
// this is the same algorithm (next expected number, buffer of early ones, duplicates dropped) per item.

interface InboxChannelState {
  nextSeq: number;
  buffered: EdgeEntry[];
  endAfter?: number;
  /** Workflow time since which the next number has been missing while later ones (or the end) wait. */
  gapSince?: number;
}

/**
 * Items an edge may number past what its receiver expects beyond the receiver's window: early deliveries
 * (a retried send) are held, but no more than this, so an item numbered far ahead cannot open a gap that
 * never fills.
 */
export const MAX_EARLY_ITEMS = 1_000;

/** What an inbox carries into the next run. */
export interface InboxState {
  channels: Record<string, InboxChannelState>;
  duplicatesDropped: number;
}

/** Receives numbered items on known channels: hands them out in order, exactly once. */
export class EdgeInbox {
  private readonly channels = new Map<
    string,
    { nextSeq: number; buffered: Map<number, ItemEnvelope>; endAfter?: number; gapSince?: number }
  >();
  private duplicates: number;
  private readonly refusals: string[] = [];

  constructor(channels: readonly string[], state?: InboxState) {
    this.duplicates = state?.duplicatesDropped ?? 0;
    for (const channel of channels) {
      const saved = state?.channels[channel];
      this.channels.set(channel, {
        nextSeq: saved?.nextSeq ?? 1,
        buffered: new Map((saved?.buffered ?? []).map((e) => [e.seq, e.item])),
        endAfter: saved?.endAfter,
        gapSince: saved?.gapSince,
      });
    }
  }

  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  get duplicatesDropped(): number {
    return this.duplicates;
  }

  /**
   * Takes a batch; returns the items that are now next in order on `channel`. What cannot be genuine is
   * left out and described in {@link takeRefusals}: an item numbered past `maxSeq` (more than the sender
   * can have sent) or past the announced end, an item whose number was taken by a different one (the
   * first is kept), and an end that contradicts what was received or announced.
   */
  accept(
    channel: string,
    entries: readonly EdgeEntry[],
    endAfter?: number,
    maxSeq = Number.POSITIVE_INFINITY,
  ): ItemEnvelope[] {
    const state = this.channels.get(channel);
    if (!state) return [];
    for (const { seq, item } of entries) {
      const held = state.buffered.get(seq);
      if (seq > maxSeq || (state.endAfter !== undefined && seq > state.endAfter)) {
        this.refusals.push(`item ${seq} on "${channel}": past what its sender can have sent`);
      } else if (seq < state.nextSeq || held) {
        this.duplicates += 1;
        if (held && JSON.stringify(held) !== JSON.stringify(item))
          this.refusals.push(`item ${seq} on "${channel}": differs from the one received first (kept)`);
      } else state.buffered.set(seq, item);
    }
    if (endAfter !== undefined) {
      const highest = Math.max(state.nextSeq - 1, ...state.buffered.keys());
      if (endAfter < highest || endAfter > maxSeq || (state.endAfter ?? endAfter) !== endAfter)
        this.refusals.push(`end after ${endAfter} on "${channel}": contradicts the items received`);
      else state.endAfter = endAfter;
    }
    const out: ItemEnvelope[] = [];
    for (let next = state.buffered.get(state.nextSeq); next; next = state.buffered.get(state.nextSeq)) {
      state.buffered.delete(state.nextSeq);
      out.push(next);
      state.nextSeq += 1;
    }
    const waiting =
      state.buffered.size > 0 || (state.endAfter !== undefined && state.nextSeq <= state.endAfter);
    if (!waiting) state.gapSince = undefined;
    else if (state.gapSince === undefined || out.length > 0) state.gapSince = Date.now();
    return out;
  }

  /** What {@link accept} refused since the last call, for the log. */
  takeRefusals(): string[] {
    return this.refusals.splice(0);
  }

  /** The highest number on `channel` that can be genuine while `ahead` more than it expects may come. */
  limit(channel: string, ahead: number): number {
    return (this.channels.get(channel)?.nextSeq ?? 1) - 1 + ahead;
  }

  /** True once every item up to the announced end has been handed out. */
  ended(channel: string): boolean {
    const state = this.channels.get(channel);
    return state?.endAfter !== undefined && state.nextSeq > state.endAfter;
  }

  allEnded(): boolean {
    return [...this.channels.keys()].every((c) => this.ended(c));
  }

  /** The channel missing a number for the longest time, if any. */
  oldestGap(): { channel: string; expectedSeq: number; since: number } | undefined {
    let oldest: { channel: string; expectedSeq: number; since: number } | undefined;
    for (const [channel, s] of this.channels) {
      if (s.gapSince !== undefined && (!oldest || s.gapSince < oldest.since))
        oldest = { channel, expectedSeq: s.nextSeq, since: s.gapSince };
    }
    return oldest;
  }

  snapshot(): InboxState {
    const channels: Record<string, InboxChannelState> = {};
    for (const [channel, s] of this.channels) {
      channels[channel] = {
        nextSeq: s.nextSeq,
        buffered: [...s.buffered].map(([seq, item]) => ({ seq, item })),
        endAfter: s.endAfter,
        gapSince: s.gapSince,
      };
    }
    return { channels, duplicatesDropped: this.duplicates };
  }
}

/** What an outbox carries into the next run. */
export interface OutboxState {
  /** Downstream stage name (or `@output` for the run). */
  target: string;
  workflowId: string;
  /** Items the downstream may hold unreleased; `null` for no limit. */
  window: number | null;
  /** Items sent (and accepted by the server) so far; the next one gets `sent + 1`. */
  sent: number;
  /**
   * Items the downstream has released (cumulative credit). It may run ahead of `sent`: a downstream that
   * already had items from elsewhere (a retried or forged delivery) or gave up waiting for them (a join
   * timeout) releases them before they are sent, and will drop them as duplicates when they come.
   */
  released: number;
  pending: ItemEnvelope[];
  /** Set once the end (`endAfter`) was delivered. */
  endSent: boolean;
  /** Workflow time since which pending items wait for credit. */
  blockedSince?: number;
  /** Workflow time since which the oldest pending item waits. */
  pendingSince?: number;
}

/** The state of a new edge to `target` (workflow `workflowId`) that may hold `window` items unreleased (`null`: no limit). */
export function newOutboxState(target: string, workflowId: string, window: number | null): OutboxState {
  return { target, workflowId, window, sent: 0, released: 0, pending: [], endSent: false };
}

/**
 * Encoded bytes one `pipeline.items` signal may carry: signal-utils refuses a signal over 256 KiB
 * (`DEFAULT_MAX_PAYLOAD_BYTES`); 32 KiB stay free for what the size count leaves out (the payload's
 * metadata). Batches are cut to fit; an item that does not fit on its own cannot travel at all.
 */
export const EDGE_SIGNAL_BUDGET_BYTES = DEFAULT_MAX_PAYLOAD_BYTES - 32 * 1024;

/** The first pending item of an edge, too large for one signal on its own. */
export interface OversizedItem {
  itemId: string;
  /** Encoded size of the signal that would carry it alone. */
  bytes: number;
}

/** Sends items on one edge in order, in batches, never more than the downstream's credit allows. */
export class EdgeOutbox {
  readonly state: OutboxState;
  /** A send is in progress (not carried over: continue-as-new waits until no send is in progress). */
  sending = false;
  /**
   * Set when the next item cannot fit in one signal: the edge stops sending (a resend would be refused
   * the same way) and its owner fails the run.
   */
  oversized?: OversizedItem;
  /** Workflow time before which a failed send is not retried. */
  private retryAt = 0;

  constructor(
    state: OutboxState,
    private readonly channel: string,
    private readonly maxBatch: number,
  ) {
    this.state = state;
  }

  get available(): number {
    const { window, sent, released } = this.state;
    return window === null ? Number.POSITIVE_INFINITY : window - (sent - Math.min(released, sent));
  }

  /**
   * Records cumulative credit; stale (smaller) values are ignored. Credit past `sent` is kept, not cut
   * to it: the downstream counts it as given and never sends it again, so cutting it would leave the
   * edge waiting for credit forever once the downstream is done.
   */
  credit(released: number): void {
    this.state.released = Math.max(this.state.released, released);
    if (this.available > 0) this.state.blockedSince = undefined;
  }

  push(item: ItemEnvelope): void {
    if (this.state.pending.length === 0) this.state.pendingSince = Date.now();
    this.state.pending.push(item);
  }

  /** When pending items stop lingering for a fuller batch, for the caller's timer. */
  lingerDeadline(lingerMs: number): number | undefined {
    const { pendingSince, pending } = this.state;
    return pending.length > 0 && !this.sending && this.available > 0 && pendingSince !== undefined
      ? pendingSince + lingerMs
      : undefined;
  }

  /**
   * True when a send could start now: items and credit, or an end to announce. While more output is
   * coming soon (`quiet` false), waits up to `lingerMs` for `minBatch` items (or all the credit there
   * is) so that one signal carries several items.
   */
  canSend(finished: boolean, quiet = true, minBatch = 1, lingerMs = 0): boolean {
    if (this.sending || this.oversized || Date.now() < this.retryAt) return false;
    const { pending } = this.state;
    if (pending.length > 0) {
      const available = this.available;
      if (available <= 0) {
        this.state.blockedSince ??= Date.now();
        return false;
      }
      return (
        quiet ||
        finished ||
        pending.length >= Math.min(minBatch, available) ||
        Date.now() - (this.state.pendingSince ?? 0) >= lingerMs
      );
    }
    return finished && !this.state.endSent;
  }

  /** When a blocked retry becomes possible, for the caller's timer. */
  get retryDeadline(): number | undefined {
    return this.retryAt > Date.now() ? this.retryAt : undefined;
  }

  /**
   * How many of the first `limit` pending items one signal from `sender` carries within
   * {@link EDGE_SIGNAL_BUDGET_BYTES}. Sizes add up exactly (the JSON of a batch is its frame plus its
   * entries and the commas between them); the frame is counted with the largest possible `endAfter`.
   */
  private fitting(sender: string, limit: number): number {
    const { state } = this;
    let bytes = payloadSize({
      sender,
      channel: this.channel,
      entries: [],
      endAfter: Number.MAX_SAFE_INTEGER,
    });
    for (let i = 0; i < limit; i++) {
      bytes += payloadSize({ seq: state.sent + 1 + i, item: state.pending[i] }) + (i > 0 ? 1 : 0);
      if (bytes > EDGE_SIGNAL_BUDGET_BYTES) {
        if (i === 0) this.oversized = { itemId: state.pending[0]!.id, bytes };
        return i;
      }
    }
    return limit;
  }

  /**
   * Sends the next batch (or the end when `finished` and nothing is pending), as many items as credit,
   * `maxBatch` and the signal size budget allow. Never rejects: a closed downstream drops the batch with
   * an error log (nothing would ever read it); an item too large for a signal on its own sets
   * {@link oversized} and stops the edge; other failures are retried after a second.
   */
  async send(finished: boolean, sender: string): Promise<number> {
    const { state } = this;
    const count = this.fitting(sender, Math.min(state.pending.length, this.available, this.maxBatch));
    if (this.oversized) {
      log.error(
        `Pipeline edge ${this.channel} → ${state.target}: item "${this.oversized.itemId}" is too large for one signal`,
        { bytes: this.oversized.bytes, maxBytes: EDGE_SIGNAL_BUDGET_BYTES },
      );
      return 0;
    }
    const batch = state.pending.slice(0, count);
    const entries = batch.map((item, i) => ({ seq: state.sent + 1 + i, item }));
    const end = finished && count === state.pending.length ? state.sent + count : undefined;
    this.sending = true;
    try {
      await signalWorkflow(state.workflowId, pipelineItemsSignal, {
        sender,
        channel: this.channel,
        entries,
        ...(end !== undefined ? { endAfter: end } : {}),
      });
    } catch (err) {
      if (!(err instanceof ExternalWorkflowNotFoundError)) {
        log.warn(`Pipeline edge ${this.channel} → ${state.target}: send failed, retrying`, {
          error: String(err),
        });
        this.retryAt = Date.now() + 1_000;
        return 0;
      }
      log.error(
        `Pipeline edge ${this.channel} → ${state.target}: downstream closed, dropping ${count} items`,
        {
          workflowId: state.workflowId,
        },
      );
    } finally {
      this.sending = false;
    }
    state.pending.splice(0, count);
    state.pendingSince = state.pending.length > 0 ? Date.now() : undefined;
    state.sent += count;
    if (end !== undefined) state.endSent = true;
    return count;
  }
}
