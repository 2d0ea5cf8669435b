import { describe, expect, expectTypeOf, it } from 'vitest';
import { pollUntil } from './poll-until.js';

describe('pollUntil', () => {
  it('resolves to the first truthy value the probe returns', async () => {
    const answers = [undefined, null, false, { ready: true }];
    let calls = 0;
    const value = await pollUntil(async () => answers[calls++], { intervalMs: 1 });
    expect(value).toEqual({ ready: true });
    expect(calls).toBe(4);
  });

  it('takes a synchronous probe', async () => {
    let calls = 0;
    expect(await pollUntil(() => ++calls >= 3 && `after ${calls}`, { intervalMs: 1 })).toBe('after 3');
  });

  it('counts a probe that throws as not ready yet', async () => {
    let calls = 0;
    const value = await pollUntil(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('workflow not found');
        return calls;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('rejects after the timeout, naming what it waited for and the last value', async () => {
    const error = await pollUntil(() => false, {
      timeoutMs: 30,
      intervalMs: 5,
      what: 'B to hold the lock',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'Timed out after 30 ms waiting for B to hold the lock: it last returned false',
    );
  });

  it('rejects with the last error as the cause when the probe kept throwing', async () => {
    const cause = new Error('query failed: workflow not found');
    const error = (await pollUntil(
      () => {
        throw cause;
      },
      { timeoutMs: 20, intervalMs: 5 },
    ).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      'Timed out after 20 ms waiting for the condition: it last threw Error: query failed: workflow not found',
    );
    expect(error.cause).toBe(cause);
  });

  it('types the result as the value the probe returns when ready', async () => {
    const lease = (): Promise<{ token: number } | undefined> => Promise.resolve({ token: 1 });
    expectTypeOf(await pollUntil(lease)).toEqualTypeOf<{ token: number }>();
    const closed = async (): Promise<boolean> => true;
    expectTypeOf(await pollUntil(closed)).toEqualTypeOf<true>();
    expectTypeOf(await pollUntil(() => [1, 2])).toEqualTypeOf<number[]>();
  });

  it('probes at least once even with a zero timeout', async () => {
    expect(await pollUntil(() => 'now', { timeoutMs: 0 })).toBe('now');
  });
});
