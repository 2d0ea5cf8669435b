import { defineSignal, log, setHandler, type SignalDefinition } from '@temporalio/workflow';
import { InvalidSignalPayloadError } from './errors.js';

/**
 * Checks an untrusted payload and returns it typed, or throws. Either a function or an object with
 * `parse` (the shape of zod, valibot and similar schemas).
 */
export type PayloadValidator<T> = ((raw: unknown) => T) | { parse(raw: unknown): T };

/** A signal with a stable wire name, a payload type, and a validator that guards its handlers. */
export interface TypedSignal<T> {
  /** The wire name. Changing it breaks running workflows and their senders. */
  readonly name: string;
  /** The SDK definition, for `handle.signal(...)` from clients and `setHandler`. */
  readonly definition: SignalDefinition<[T]>;
  /** Returns `raw` typed, or throws `InvalidSignalPayloadError` naming the signal and the reason. */
  parse(raw: unknown): T;
}

/**
 * Defines a typed signal whose handlers only ever see payloads that passed `validator`.
 *
 * @example
 * const approved = defineTypedSignal('order.approved', (raw) => {
 *   if (typeof raw !== 'object' || raw === null || typeof (raw as any).orderId !== 'string') throw new Error('orderId missing');
 *   return raw as { orderId: string };
 * });
 */
export function defineTypedSignal<T>(name: string, validator: PayloadValidator<T>): TypedSignal<T> {
  const validate = typeof validator === 'function' ? validator : (raw: unknown) => validator.parse(raw);
  return {
    name,
    definition: defineSignal<[T]>(name),
    parse(raw: unknown): T {
      try {
        return validate(raw);
      } catch (err) {
        if (err instanceof InvalidSignalPayloadError) throw err;
        throw new InvalidSignalPayloadError(name, err instanceof Error ? err.message : String(err));
      }
    },
  };
}

/**
 * Turns a type guard into a validator: `fromGuard(isOrder, 'an order with an orderId')`.
 */
export function fromGuard<T>(guard: (raw: unknown) => raw is T, expected: string): PayloadValidator<T> {
  return (raw: unknown) => {
    if (!guard(raw)) throw new Error(`expected ${expected}`);
    return raw;
  };
}

/**
 * Who sent a payload, by convention: its `sender` field (a workflow id or a name), or
 * `sender.workflowId`. Used in log lines about rejected payloads.
 */
export function senderOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'sender' in raw) {
    const sender = (raw as { sender: unknown }).sender;
    if (typeof sender === 'string') return sender;
    if (
      typeof sender === 'object' &&
      sender !== null &&
      typeof (sender as { workflowId?: unknown }).workflowId === 'string'
    ) {
      return (sender as { workflowId: string }).workflowId;
    }
  }
  return 'unknown sender';
}

export interface TypedHandlerOptions {
  /** Called with each rejected payload after it is logged. The workflow keeps running either way. */
  onInvalid?: (error: InvalidSignalPayloadError, raw: unknown) => void;
}

/**
 * Registers `handler` for `signal` inside a workflow. A payload that fails validation is logged
 * (warning naming the signal, the sender and the reason) and dropped: it never reaches the handler and
 * never fails the workflow.
 */
export function setTypedHandler<T>(
  signal: TypedSignal<T>,
  handler: (payload: T) => void | Promise<void>,
  options: TypedHandlerOptions = {},
): void {
  setHandler(signal.definition, (raw: unknown) => {
    let payload: T;
    try {
      payload = signal.parse(raw);
    } catch (err) {
      const error = err as InvalidSignalPayloadError;
      log.warn(
        `Rejected malformed payload on signal "${signal.name}" from ${senderOf(raw)}: ${error.reason}`,
        {
          signal: signal.name,
          sender: senderOf(raw),
          reason: error.reason,
        },
      );
      options.onInvalid?.(error, raw);
      return;
    }
    return handler(payload);
  });
}
