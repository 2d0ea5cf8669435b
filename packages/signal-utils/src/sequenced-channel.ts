import type { Duration } from '@temporalio/common';
import { condition, patched, workflowInfo } from '@temporalio/workflow';
import { toMs } from './duration.js';
import { SequenceGapError, SignalTimeoutError } from './errors.js';
import { signalWorkflow, type WorkflowTarget } from './signal-workflow.js';
import {
  defineTypedSignal,
  setTypedHandler,
  type PayloadValidator,
  type TypedSignal,
} from './typed-signal.js';

/** A message on a sequenced channel: numbered from 1 by its sender, per channel. */
export interface SequencedMessage<T> {
  channel: string;
  seq: number;
  sender?: string;
  payload: T;
}

/**
 * Defines a signal that carries {@link SequencedMessage}s; `validator` checks the inner payload.
 *
 * @example
 * const progress = defineSequencedSignal('job.progress', (raw) => raw as { percent: number });
 */
export function defineSequencedSignal<T>(
  name: string,
  validator: PayloadValidator<T>,
): TypedSignal<SequencedMessage<T>> {
  const validate = typeof validator === 'function' ? validator : (raw: unknown) => validator.parse(raw);
  return defineTypedSignal(name, (raw) => {
    if (typeof raw !== 'object' || raw === null) throw new Error('expected an object');
    const { channel, seq, sender, payload } = raw as Record<string, unknown>;
    if (typeof channel !== 'string' || !channel) throw new Error('channel must be a non-empty string');
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1)
      throw new Error('seq must be an integer ≥ 1');
    if (sender !== undefined && typeof sender !== 'string') throw new Error('sender must be a string');
    return { channel, seq, sender, payload: validate(payload) };
  });
}

/** Marks histories whose concurrent sends wait their turn (before, each took a number at once). */
const SEND_IN_TURN_PATCH = 'signal-utils-sequenced-send-in-turn';

/**
 * Numbers and sends messages on one channel to one workflow. Sends go out one at a time, in call order;
 * a send that fails (refused before sending, or by the server) gives its number to the next one, so
 * the receiver never waits for a number that will not come.
 */
export class SequencedSender<T> {
  private next: number;
  /** Sends called and not settled. */
  private pending = 0;
  /** Settles when the last send called has settled. */
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * @param options.nextSeq where to continue numbering after a continue-as-new (from `nextSeq`). Defaults to 1.
   */
  constructor(
    private readonly signal: TypedSignal<SequencedMessage<T>>,
    private readonly target: string | WorkflowTarget,
    readonly channel: string,
    options: { nextSeq?: number } = {},
  ) {
    this.next = options.nextSeq ?? 1;
  }

  /** The number the next message will get; carry it into the next run (once no send is in progress). */
  get nextSeq(): number {
    return this.next;
  }

  /**
   * Sends `payload` with the next number once the sends called before it have settled, and resolves
   * with that number once the signal is accepted. Rejects as `signalWorkflow` does; the number is then
   * not used. A send with none in progress starts at once, in the same workflow activation.
   */
  async send(payload: T): Promise<number> {
    // Histories from before sends waited their turn: a concurrent send takes a number at call time.
    if (this.pending > 0 && !patched(SEND_IN_TURN_PATCH)) return this.sendNumbered(this.next++, payload);
    const previous = this.pending > 0 ? this.tail : undefined;
    this.pending += 1;
    const turn = (async () => {
      try {
        if (previous) await previous;
        const seq = this.next++;
        try {
          await this.sendNumbered(seq, payload);
        } catch (err) {
          // Nothing was delivered (a workflow's signal command either lands or fails): reuse the number.
          if (this.next === seq + 1) this.next = seq;
          throw err;
        }
        return seq;
      } finally {
        this.pending -= 1;
      }
    })();
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async sendNumbered(seq: number, payload: T): Promise<number> {
    await signalWorkflow(this.target, this.signal, {
      channel: this.channel,
      seq,
      sender: workflowInfo().workflowId,
      payload,
    });
    return seq;
  }
}

interface ChannelState<T> {
  nextSeq: number;
  buffered: SequencedMessage<T>[];
  /** Workflow time (ms) since which `nextSeq` has been missing while later messages wait. */
  gapSince?: number;
}

/** What a {@link SequencedReceiver} carries into the next run. */
export interface SequencedReceiverState<T> {
  channels: Record<string, ChannelState<T>>;
  ready: SequencedMessage<T>[];
  duplicatesDropped: number;
}

export interface SequencedReceiverOptions<T> {
  /** How long a missing message may hold back later ones before `receive` reports the gap. Defaults to 1 minute. */
  gapTimeout?: Duration;
  /** State from a previous run (`snapshot()`). */
  state?: SequencedReceiverState<T>;
}

/**
 * Receives a sequenced signal inside a workflow: delivers each channel's messages in order, exactly once,
 * dropping duplicates and holding early ones until the gap before them is filled.
 */
export class SequencedReceiver<T> {
  private readonly channels = new Map<
    string,
    { nextSeq: number; buffered: Map<number, SequencedMessage<T>>; gapSince?: number }
  >();
  private readonly ready: SequencedMessage<T>[];
  private duplicates: number;
  private readonly gapTimeoutMs: number;

  constructor(
    readonly signal: TypedSignal<SequencedMessage<T>>,
    options: SequencedReceiverOptions<T> = {},
  ) {
    this.gapTimeoutMs = toMs(options.gapTimeout ?? '1 minute');
    this.ready = [...(options.state?.ready ?? [])];
    this.duplicates = options.state?.duplicatesDropped ?? 0;
    for (const [channel, state] of Object.entries(options.state?.channels ?? {})) {
      this.channels.set(channel, {
        nextSeq: state.nextSeq,
        buffered: new Map(state.buffered.map((m) => [m.seq, m])),
        gapSince: state.gapSince,
      });
    }
    setTypedHandler(signal, (message) => this.accept(message));
  }

  private accept(message: SequencedMessage<T>): void {
    let state = this.channels.get(message.channel);
    if (!state) {
      state = { nextSeq: 1, buffered: new Map() };
      this.channels.set(message.channel, state);
    }
    if (message.seq < state.nextSeq || state.buffered.has(message.seq)) {
      this.duplicates += 1;
      return;
    }
    state.buffered.set(message.seq, message);
    const before = state.nextSeq;
    this.flush(state);
    if (state.buffered.size === 0) state.gapSince = undefined;
    else if (state.gapSince === undefined || state.nextSeq !== before) state.gapSince = Date.now();
  }

  private flush(state: { nextSeq: number; buffered: Map<number, SequencedMessage<T>> }): void {
    for (let next = state.buffered.get(state.nextSeq); next; next = state.buffered.get(state.nextSeq)) {
      state.buffered.delete(state.nextSeq);
      this.ready.push(next);
      state.nextSeq += 1;
    }
  }

  /** Messages dropped as duplicates so far. */
  get duplicatesDropped(): number {
    return this.duplicates;
  }

  /** In-order messages waiting to be received. */
  get size(): number {
    return this.ready.length;
  }

  /** The next in-order message if one is ready. */
  tryReceive(): SequencedMessage<T> | undefined {
    return this.ready.shift();
  }

  private oldestGap(): { channel: string; nextSeq: number; buffered: number[]; since: number } | undefined {
    let oldest: { channel: string; nextSeq: number; buffered: number[]; since: number } | undefined;
    for (const [channel, state] of this.channels) {
      if (state.gapSince === undefined) continue;
      if (!oldest || state.gapSince < oldest.since) {
        oldest = {
          channel,
          nextSeq: state.nextSeq,
          buffered: [...state.buffered.keys()].sort((a, b) => a - b),
          since: state.gapSince,
        };
      }
    }
    return oldest;
  }

  /**
   * The next in-order message, waiting up to `timeout`. Rejects with `SequenceGapError` when a channel
   * has been missing a message for longer than the gap timeout (call `skipGap` to move past it), or with
   * `SignalTimeoutError` when nothing arrives in time.
   */
  async receive(timeout: Duration): Promise<SequencedMessage<T>> {
    const timeoutMs = toMs(timeout);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.ready.shift();
      if (message) return message;
      const now = Date.now();
      const gap = this.oldestGap();
      if (gap && now - gap.since >= this.gapTimeoutMs) {
        throw new SequenceGapError(gap.channel, gap.nextSeq, gap.buffered, this.gapTimeoutMs);
      }
      if (now >= deadline) throw new SignalTimeoutError([this.signal.name], timeoutMs);
      const wait = gap ? Math.min(deadline, gap.since + this.gapTimeoutMs) - now : deadline - now;
      await condition(() => this.ready.length > 0, Math.max(wait, 1));
    }
  }

  /** Gives up on the missing messages of `channel`: continues from the earliest buffered one. */
  skipGap(channel: string): void {
    const state = this.channels.get(channel);
    if (!state || state.buffered.size === 0) return;
    const first = Math.min(...state.buffered.keys());
    state.nextSeq = first;
    this.flush(state);
    state.gapSince = state.buffered.size > 0 ? Date.now() : undefined;
  }

  /** Everything needed to continue in the next run without losing or repeating a message. */
  snapshot(): SequencedReceiverState<T> {
    const channels: Record<string, ChannelState<T>> = {};
    for (const [channel, state] of this.channels) {
      channels[channel] = {
        nextSeq: state.nextSeq,
        buffered: [...state.buffered.values()],
        gapSince: state.gapSince,
      };
    }
    return { channels, ready: [...this.ready], duplicatesDropped: this.duplicates };
  }
}
