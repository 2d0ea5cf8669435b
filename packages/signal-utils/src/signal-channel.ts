import type { Duration } from '@temporalio/common';
import { condition } from '@temporalio/workflow';
import { toMs } from './duration.js';
import { SignalTimeoutError } from './errors.js';
import { setTypedHandler, type TypedSignal } from './typed-signal.js';

export interface SignalChannelOptions<T> {
  /** Payloads carried over from a previous run (see `snapshot()` and `drainAndContinueAsNew`). */
  initial?: readonly T[];
}

/**
 * A buffered inbox for one typed signal inside a workflow. Its handler is registered when it is created,
 * so payloads that arrive before anyone waits are kept, in arrival order, until received.
 */
export class SignalChannel<T> {
  private readonly buffer: T[];

  constructor(
    readonly signal: TypedSignal<T>,
    options: SignalChannelOptions<T> = {},
  ) {
    this.buffer = [...(options.initial ?? [])];
    setTypedHandler(signal, (payload) => {
      this.buffer.push(payload);
    });
  }

  /** Number of payloads waiting. */
  get size(): number {
    return this.buffer.length;
  }

  /** The next payload if one is waiting, without blocking. */
  tryReceive(): T | undefined {
    return this.buffer.shift();
  }

  /**
   * The next payload, waiting up to `timeout` for one. Rejects with `SignalTimeoutError` naming the
   * signal and the duration; the timer is cancelled as soon as a payload arrives.
   */
  async receive(timeout: Duration): Promise<T> {
    const timeoutMs = toMs(timeout);
    if (!(await condition(() => this.buffer.length > 0, timeoutMs))) {
      throw new SignalTimeoutError([this.signal.name], timeoutMs);
    }
    return this.buffer.shift() as T;
  }

  /** The payloads not yet received, to carry into the next run. */
  snapshot(): T[] {
    return [...this.buffer];
  }
}

// Module state is per workflow execution: the SDK evaluates workflow modules once per execution.
const channelsBySignal = new Map<string, SignalChannel<unknown>>();

/**
 * The workflow's channel for `signal`, created (and its handler registered) on first use. Call it early
 * in the workflow to start buffering; signals sent before that are buffered by the SDK and delivered
 * once the handler is registered.
 */
export function signalChannel<T>(
  signal: TypedSignal<T>,
  options?: SignalChannelOptions<T>,
): SignalChannel<T> {
  let channel = channelsBySignal.get(signal.name) as SignalChannel<T> | undefined;
  if (!channel) {
    channel = new SignalChannel(signal, options);
    channelsBySignal.set(signal.name, channel as SignalChannel<unknown>);
  }
  return channel;
}

/**
 * Waits up to `timeout` for `signal` and returns its payload; rejects with `SignalTimeoutError`.
 * Uses the workflow's {@link signalChannel} for the signal, so nothing that arrived earlier is lost.
 *
 * @example
 * const approval = await waitForSignal(approvedSignal, '1 hour');
 */
export function waitForSignal<T>(signal: TypedSignal<T>, timeout: Duration): Promise<T> {
  return signalChannel(signal).receive(timeout);
}

type PayloadOf<S> = S extends TypedSignal<infer P> ? P : never;

/** Which of several signals arrived first, with its payload. */
export type FirstSignal<S extends readonly TypedSignal<unknown>[]> = {
  [I in keyof S]: { signal: S[I]; payload: PayloadOf<S[I]> };
}[number];

/**
 * Waits up to `timeout` for the first of several signals; the others stay buffered for later waits.
 * Rejects with `SignalTimeoutError` naming every signal waited for.
 */
export async function waitForAnySignal<const S extends readonly TypedSignal<unknown>[]>(
  signals: S,
  timeout: Duration,
): Promise<FirstSignal<S>> {
  const timeoutMs = toMs(timeout);
  const inboxes = signals.map((s) => signalChannel(s));
  if (!(await condition(() => inboxes.some((c) => c.size > 0), timeoutMs))) {
    throw new SignalTimeoutError(
      signals.map((s) => s.name),
      timeoutMs,
    );
  }
  const index = inboxes.findIndex((c) => c.size > 0);
  return { signal: signals[index], payload: inboxes[index]!.tryReceive() } as FirstSignal<S>;
}
