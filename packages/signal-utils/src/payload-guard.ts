import { defaultPayloadConverter } from '@temporalio/common';
import { PayloadTooLargeError } from './errors.js';

/**
 * Default limit for one signal payload: 256 KiB. Temporal rejects payloads over 2 MiB, and every
 * signal is kept in history (50 MiB per run), so a signal should carry ids and references, not data.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** Size in bytes of `value` once encoded by the default payload converter (what history stores). */
export function payloadSize(value: unknown): number {
  if (value === undefined) return 0;
  return defaultPayloadConverter.toPayload(value).data?.byteLength ?? 0;
}

/**
 * Throws `PayloadTooLargeError` when `value` encodes to more than `maxBytes` (defaults to
 * {@link DEFAULT_MAX_PAYLOAD_BYTES}). `context` names the payload in the message, e.g. `signal "x" to wf-1`.
 */
export function assertPayloadSize(
  value: unknown,
  context: string,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): void {
  const size = payloadSize(value);
  if (size > maxBytes) throw new PayloadTooLargeError(size, maxBytes, context);
}

/** A pointer to data kept outside Temporal: what a signal should carry instead of the data itself. */
export interface DataRef {
  readonly kind: 'data-ref';
  /** Where the data is, e.g. `s3://bucket/key` or `postgres://orders/42`. */
  readonly uri: string;
  /** Size of the referenced data, if known. */
  readonly sizeBytes?: number;
  /** A checksum the receiver can verify, if known (e.g. `sha256:…`). */
  readonly checksum?: string;
}

/** Builds a {@link DataRef}. */
export function dataRef(uri: string, meta: { sizeBytes?: number; checksum?: string } = {}): DataRef {
  if (!uri) throw new TypeError('dataRef: uri must be a non-empty string');
  return { kind: 'data-ref', uri, ...meta };
}

/** True when `value` is a {@link DataRef}. */
export function isDataRef(value: unknown): value is DataRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as DataRef).kind === 'data-ref' &&
    typeof (value as DataRef).uri === 'string'
  );
}
