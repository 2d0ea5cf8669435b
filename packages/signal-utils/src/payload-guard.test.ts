import { describe, expect, it } from 'vitest';
import { assertPayloadSize, dataRef, isDataRef, PayloadTooLargeError } from './index.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, payloadSize } from './pattern-kit.js';

describe('payload guard', () => {
  it('measures the encoded size of a payload', () => {
    expect(payloadSize({ a: 'x'.repeat(100) })).toBe(JSON.stringify({ a: 'x'.repeat(100) }).length);
    expect(payloadSize(undefined)).toBe(0);
  });

  it('refuses a payload over the limit with a hint to send a reference', () => {
    const big = 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(() => assertPayloadSize(big, 'signal "s" to wf')).toThrow(PayloadTooLargeError);
    expect(() => assertPayloadSize(big, 'signal "s" to wf')).toThrow(/signal "s" to wf.*send a reference/s);
    expect(() => assertPayloadSize('small', 'signal "s" to wf')).not.toThrow();
  });

  it('keeps the default limit well below the 2 MiB server limit', () => {
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBeLessThanOrEqual(512 * 1024);
  });

  it('builds and recognises references', () => {
    const ref = dataRef('s3://bucket/orders/42.json', { sizeBytes: 10_000_000 });
    expect(isDataRef(ref)).toBe(true);
    expect(isDataRef({ uri: 'x' })).toBe(false);
    expect(payloadSize(ref)).toBeLessThan(200);
    expect(() => dataRef('')).toThrow(TypeError);
  });
});
