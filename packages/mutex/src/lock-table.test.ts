import { randomUUID } from 'node:crypto';
import { payloadSize } from '@temporal-patterns/signal-utils/pattern-kit';
import { describe, expect, it } from 'vitest';
import { parseLockRequest, type LockRequest, type Requester } from './definitions.js';
import { LockTable, type LockTableLog } from './lock-table.js';
import { MAX_PERMITS, MAX_QUEUE_LENGTH } from './mutex-workflow.js';

const T0 = 1_700_000_000_000;

function recordingLog(): LockTableLog & { lines: string[] } {
  const lines: string[] = [];
  const write = (message: string): void => void lines.push(message);
  return { lines, debug: write, info: write, warn: write };
}

function request(id: string, options: Partial<LockRequest> = {}): LockRequest {
  const requester: Requester = { kind: 'workflow', workflowId: `wf-${id}`, runId: 'run' };
  return { requestId: id, secret: `secret-${id}`, requester, leaseMs: 1_000, timeoutMs: 5_000, ...options };
}

function freshTable(): { table: LockTable; log: ReturnType<typeof recordingLog> } {
  const log = recordingLog();
  return { table: new LockTable('r', undefined, T0, log), log };
}

/** Grants every waiter that fits, as the workflow's loop does, and returns their request ids. */
function grantAll(table: LockTable, permits: number, now: number): string[] {
  const granted: string[] = [];
  let n = 0;
  while (table.canGrant(permits)) granted.push(table.grantNext(now, `token-${n++}`).requestId);
  return granted;
}

describe('LockTable', () => {
  it('grants in FIFO order with strictly increasing fencing tokens from the start time × 1000', () => {
    const { table } = freshTable();
    for (const id of ['a', 'b', 'c']) table.enqueue(request(id), T0);
    expect(table.grantNext(T0, 'ga')).toMatchObject({ requestId: 'a', fencingToken: T0 * 1000 + 1 });
    expect(table.canGrant(1)).toBe(false);
    expect(grantAll(table, 3, T0)).toEqual(['b', 'c']);
    expect(table.snapshot().holders.map((h) => h.fencingToken)).toEqual([1, 2, 3].map((i) => T0 * 1000 + i));
  });

  it('grants the lock to the next waiter when the holder releases with its grant token', () => {
    const { table } = freshTable();
    table.enqueue(request('a'), T0);
    table.enqueue(request('b'), T0);
    const a = table.grantNext(T0, 'ga');
    expect(table.release({ requestId: 'a', grantToken: 'ga' }, 'signal')).toBe(true);
    expect(grantAll(table, 1, T0)).toEqual(['b']);
    expect(table.holder(a.requestId)).toBeUndefined();
  });

  it('ignores a release with a wrong grant token or of a grant not held, and says which', () => {
    const { table, log } = freshTable();
    table.enqueue(request('a'), T0);
    table.grantNext(T0, 'ga');
    expect(table.release({ requestId: 'a', grantToken: 'forged' }, 'signal')).toBe(false);
    expect(table.release({ requestId: 'nobody', grantToken: 'ga' }, 'update')).toBe(false);
    expect(table.holder('a')?.grantToken).toBe('ga');
    expect(log.lines).toContain('Release with a wrong grant token ignored (signal)');
    expect(log.lines).toContain('Release of a grant that is not held ignored (update)');
  });

  it('queues a request id once, also after it was released', () => {
    const { table } = freshTable();
    expect(table.enqueue(request('a'), T0)).toBe(true);
    expect(table.enqueue(request('a'), T0)).toBe(false);
    table.grantNext(T0, 'ga');
    table.release({ requestId: 'a', grantToken: 'ga' }, 'signal');
    expect(table.enqueue(request('a'), T0)).toBe(false);
    expect(table.isEmpty).toBe(true);
  });

  it('takes back an expired lease and withdraws a request that waited past its timeout', () => {
    const { table, log } = freshTable();
    table.enqueue(request('a', { leaseMs: 1_000 }), T0);
    table.grantNext(T0, 'ga');
    table.enqueue(request('b', { timeoutMs: 500 }), T0);
    table.enqueue(request('c', { timeoutMs: 5_000 }), T0);
    expect(table.nextDeadline()).toBe(T0 + 500);
    table.expire(T0 + 999);
    expect(table.snapshot().queue.map((w) => w.requestId)).toEqual(['c']);
    expect(table.holder('a')).toBeDefined();
    table.expire(T0 + 1_000);
    expect(table.holder('a')).toBeUndefined();
    expect(log.lines).toEqual(
      expect.arrayContaining([
        'Lock request expired in the queue; withdrawn',
        'Lease expired; lock taken back',
      ]),
    );
    expect(grantAll(table, 1, T0 + 1_000)).toEqual(['c']);
  });

  it('renews only a current grant, from the given time', () => {
    const { table } = freshTable();
    table.enqueue(request('a'), T0);
    table.grantNext(T0, 'ga');
    expect(table.renew({ requestId: 'a', grantToken: 'forged', leaseMs: 60_000 }, T0 + 10)).toBe(false);
    expect(table.holder('a')?.leaseExpiresAt).toBe(T0 + 1_000);
    expect(table.renew({ requestId: 'a', grantToken: 'ga', leaseMs: 60_000 }, T0 + 10)).toBe(true);
    expect(table.holder('a')?.leaseExpiresAt).toBe(T0 + 60_010);
  });

  it('withdraws a waiter or a holder with the right secret, and remembers an unknown id', () => {
    const { table } = freshTable();
    table.enqueue(request('a'), T0);
    table.grantNext(T0, 'ga');
    table.enqueue(request('b'), T0);
    expect(table.withdraw({ requestId: 'b', secret: 'guessed' })).toBe(false);
    expect(table.isQueued('b')).toBe(true);
    expect(table.withdraw({ requestId: 'b', secret: 'secret-b' })).toBe(true);
    expect(table.withdraw({ requestId: 'a', secret: 'secret-a' })).toBe(true);
    expect(table.isEmpty).toBe(true);
    // A request delivered after its withdrawal is never queued.
    expect(table.withdraw({ requestId: 'late', secret: 'secret-late' })).toBe(true);
    expect(table.enqueue(request('late'), T0)).toBe(false);
  });

  it('force-releases one holder or all, and returns them', () => {
    const { table } = freshTable();
    for (const id of ['a', 'b', 'c']) table.enqueue(request(id), T0);
    grantAll(table, 3, T0);
    const one = table.forceRelease({ requestId: 'b', operator: 'ops', reason: 'stuck' });
    expect(one.map((h) => h.requestId)).toEqual(['b']);
    expect(one[0]).not.toHaveProperty('grantToken');
    const rest = table.forceRelease({ operator: 'ops', reason: 'all' });
    expect(rest.map((h) => h.requestId)).toEqual(['a', 'c']);
    expect(table.isEmpty).toBe(true);
  });

  it('drops an undelivered grant only while it is still the current one', () => {
    const { table } = freshTable();
    table.enqueue(request('a'), T0);
    const a = table.grantNext(T0, 'ga');
    table.dropUndelivered({ ...a, grantToken: 'older' });
    expect(table.holder('a')).toBeDefined();
    table.dropUndelivered(a);
    expect(table.holder('a')).toBeUndefined();
    expect(table.isKnown('a')).toBe(true);
  });

  it('carries holders, queue, tokens, recent grants and settled ids into the next run', () => {
    const { table } = freshTable();
    for (const id of ['a', 'b']) table.enqueue(request(id), T0);
    table.grantNext(T0, 'ga');
    table.withdraw({ requestId: 'gone', secret: 'x' });
    const next = new LockTable('r', table.carry(3), T0 + 60_000, recordingLog());
    expect(next.carry(3)).toEqual(table.carry(3));
    expect(next.lastFencingToken).toBe(T0 * 1000 + 1);
    expect(next.holder('a')?.grantToken).toBe('ga');
    expect(next.isQueued('b')).toBe(true);
    expect(next.enqueue(request('gone'), T0)).toBe(false);
  });

  it('keeps the last 50 grants and the last 2,000 settled ids', () => {
    const { table } = freshTable();
    for (let i = 0; i < 2_100; i++) {
      table.enqueue(request(`r${i}`), T0);
      table.grantNext(T0, `g${i}`);
      table.release({ requestId: `r${i}`, grantToken: `g${i}` }, 'signal');
    }
    const { recentGrants } = table.snapshot();
    expect(recentGrants).toHaveLength(50);
    expect(recentGrants[0]!.requestId).toBe('r2050');
    const carried = table.carry(0);
    expect(carried.settledRequestIds).toHaveLength(2_000);
    expect(carried.settledRequestIds[0]).toBe('r100');
  });

  it('carries under 1.5 MiB at every cap with the longest ids the wire accepts (Temporal refuses 2 MiB)', () => {
    const { table } = freshTable();
    const longest = (n: number, length: number): string => `${n}-`.padEnd(length, 'x');
    const longRequest = (n: number): LockRequest =>
      parseLockRequest({
        requestId: longest(n, 128),
        secret: longest(n, 128),
        requester: { kind: 'workflow', workflowId: longest(n, 500), runId: randomUUID() },
        leaseMs: 2 ** 40,
        timeoutMs: 2 ** 40,
      });
    expect(() => parseLockRequest({ ...longRequest(0), requestId: longest(0, 129) })).toThrow(
      /requestId must be a non-empty string of at most 128 characters/,
    );
    let n = 0;
    // 2,000 settled ids, 50 recent grants and MAX_PERMITS holders, then a full queue.
    for (; n < 2_000; n++) {
      table.enqueue(longRequest(n), T0);
      table.grantNext(T0, randomUUID());
      table.withdraw({ requestId: longest(n, 128), secret: longest(n, 128) });
    }
    for (let i = 0; i < MAX_PERMITS; i++) table.enqueue(longRequest(n++), T0);
    grantAll(table, MAX_PERMITS, T0);
    for (let i = 0; i < MAX_QUEUE_LENGTH; i++) table.enqueue(longRequest(n++), T0);
    expect(table.counts).toEqual({ holders: MAX_PERMITS, queued: MAX_QUEUE_LENGTH });
    const carried = table.carry(1);
    expect(carried.settledRequestIds).toHaveLength(2_000);
    expect(payloadSize(carried)).toBeLessThan(1.5 * 1024 * 1024);
  });
});
