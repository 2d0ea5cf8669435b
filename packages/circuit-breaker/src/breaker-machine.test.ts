import { describe, expect, it } from 'vitest';
import { BreakerMachine, CARRIED_LIMITS } from './breaker-machine.js';
import { resolveCircuitBreakerOptions } from './options.js';

const options = resolveCircuitBreakerOptions('payments', {
  failureThreshold: 2,
  cooldown: 1_000,
  probeTimeout: 5_000,
});

/** A machine at time 0 that counts its onChange calls (each one wakes the workflow's loop). */
function countingMachine() {
  let changes = 0;
  const breaker = new BreakerMachine('payments', options, 0, undefined, () => {
    changes += 1;
  });
  return { breaker, changes: () => changes };
}

describe('BreakerMachine', () => {
  it('opens after failureThreshold consecutive failures and owes every subscriber a pause', () => {
    const { breaker, changes } = countingMachine();
    breaker.subscribe('a');
    breaker.subscribe('b');
    // New subscribers assume closed, so a closed breaker owes them nothing.
    expect(breaker.pendingCount).toBe(0);
    expect(breaker.report({ outcome: 'failure' }, 10)).toBe(true);
    expect(changes()).toBe(0);

    breaker.report({ outcome: 'failure' }, 20);
    expect(breaker.currentState).toBe('open');
    expect(changes()).toBe(1);
    expect(breaker.nextDeadline()).toBe(1_020);
    expect(breaker.nextBatch(10)).toEqual({ ids: ['a', 'b'], kind: 'pause', noticeEpoch: 1 });
  });

  it('calls onChange when a subscriber comes to be owed a notice or a deadline moves, and only then', () => {
    const { breaker, changes } = countingMachine();
    breaker.report({ outcome: 'failure' }, 0);
    breaker.report({ outcome: 'failure' }, 0);
    const opened = changes();

    // Subscribing while open: owed the pause.
    breaker.subscribe('late');
    expect(breaker.pendingCount).toBe(1);
    expect(changes()).toBe(opened + 1);

    // The cooldown ends: half-open.
    breaker.tick(1_000);
    expect(breaker.currentState).toBe('half-open');
    expect(changes()).toBe(opened + 2);

    // A probe permit sets a deadline (its expiry); a refused request moves nothing.
    expect(breaker.permit({}, 'w1', 1_000, () => 'p1')).toMatchObject({ decision: 'probe', permitId: 'p1' });
    expect(changes()).toBe(opened + 3);
    expect(breaker.nextDeadline()).toBe(6_000);
    expect(breaker.permit({}, 'w2', 1_001, () => 'p2')).toMatchObject({ decision: 'wait' });
    expect(changes()).toBe(opened + 3);

    // The permit expires unused: its deadline goes.
    breaker.tick(6_000);
    expect(changes()).toBe(opened + 4);
    expect(breaker.nextDeadline()).toBeUndefined();
  });

  it('counts a batch run by run in order, and ignores what arrives after it opened', () => {
    const { breaker } = countingMachine();
    const counted = breaker.reportBatch(
      {
        batchId: 'b1',
        runs: [
          { outcome: 'failure', count: 1, startedAt: 0 },
          { outcome: 'success', count: 3, startedAt: 0 },
          { outcome: 'failure', count: 5, startedAt: 0 },
          { outcome: 'success', count: 4, startedAt: 0 },
        ],
        lastFailure: { sender: 'wf-9', detail: '503' },
      },
      10,
    );
    // failure, 3 successes (reset), then the second of five failures opens it; the rest is ignored.
    expect(counted).toBe(6);
    expect(breaker.currentState).toBe('open');
    expect(breaker.inspect(10)).toMatchObject({
      totals: { failures: 3, successes: 3, ignoredReports: 7 },
      lastFailure: 'wf-9: 503',
    });
    // A batch delivered twice counts once.
    expect(breaker.reportBatch({ batchId: 'b1', runs: [{ outcome: 'failure', count: 1 }] }, 11)).toBe(0);
  });

  it('ignores a run whose latest call started before the current state began, unless it holds a permit', () => {
    const { breaker } = countingMachine();
    breaker.report({ outcome: 'failure' }, 0);
    breaker.report({ outcome: 'failure' }, 0);
    breaker.tick(1_000);
    const probe = breaker.permit({}, 'w1', 1_000, () => 'p1');
    expect(probe.decision).toBe('probe');
    // Stale: started while it was still open.
    breaker.reportBatch({ batchId: 'b2', runs: [{ outcome: 'failure', count: 2, startedAt: 999 }] }, 1_001);
    expect(breaker.currentState).toBe('half-open');
    breaker.reportBatch(
      { batchId: 'b3', runs: [{ outcome: 'success', count: 1, startedAt: 1_000, permitId: 'p1' }] },
      1_002,
    );
    expect(breaker.currentState).toBe('closed');
  });

  it('tells the activity wrapper the state and a holder permit without changing anything', () => {
    const { breaker } = countingMachine();
    expect(breaker.stateView('w1', 0)).toEqual({ state: 'closed', epoch: 0, since: 0, retryAfterMs: 0 });
    breaker.report({ outcome: 'failure' }, 0);
    breaker.report({ outcome: 'failure' }, 0);
    expect(breaker.stateView('w1', 400)).toEqual({
      state: 'open',
      epoch: 1,
      since: 0,
      openUntil: 1_000,
      retryAfterMs: 600,
    });
    // The cooldown is over, but only a permit request moves it to half-open.
    expect(breaker.stateView('w1', 1_500).state).toBe('open');
    breaker.permit({}, 'w1', 1_500, () => 'p1');
    expect(breaker.stateView('w1', 1_500)).toMatchObject({ state: 'half-open', permitId: 'p1', probe: true });
    expect(breaker.stateView('w2', 1_500)).not.toHaveProperty('permitId');
    // A guard that gave up waiting takes a proceed-anyway permit.
    expect(breaker.permit({ proceed: true }, 'w2', 1_600, () => 'o1')).toMatchObject({
      decision: 'proceed',
      permitId: 'o1',
    });
    expect(breaker.stateView('w2', 1_600)).toMatchObject({ permitId: 'o1', probe: false });
  });

  it('refuses subscribers beyond its byte budget and permits to oversized holders', () => {
    const { breaker } = countingMachine();
    const id = (i: number) => `s${i}-`.padEnd(1_000, 'x');
    const fits = Math.floor(CARRIED_LIMITS.subscriberBytes / (1_000 + 2 + 16));
    for (let i = 0; i < fits; i += 1) expect(breaker.subscribe(id(i))).toBe('added');
    expect(breaker.subscribe(id(fits))).toBe('over-budget');
    // Leaving frees its share.
    breaker.unsubscribe(id(0));
    expect(breaker.subscribe(id(fits))).toBe('added');

    breaker.report({ outcome: 'failure' }, 0);
    breaker.report({ outcome: 'failure' }, 0);
    breaker.tick(1_000);
    expect(breaker.permit({}, 'h'.repeat(1_100), 1_000, () => 'p1').decision).toBe('wait');
    expect(breaker.permit({}, 'h'.repeat(900), 1_000, () => 'p2').decision).toBe('probe');
  });

  it('counts a half-open report only for a probe permit it issued and still holds out', () => {
    const { breaker } = countingMachine();
    breaker.report({ outcome: 'failure' }, 0);
    breaker.report({ outcome: 'failure' }, 0);
    breaker.tick(1_000);
    expect(breaker.permit({}, 'w1', 1_000, () => 'p1')).toMatchObject({ decision: 'probe' });
    // A made-up permit, and no permit at all from a workflow that holds none: ignored.
    expect(breaker.report({ outcome: 'success', permitId: 'forged' }, 1_100)).toBe(false);
    expect(breaker.reportBatch({ batchId: 'b1', runs: [{ outcome: 'success', count: 3 }] }, 1_100)).toBe(0);
    expect(breaker.report({ outcome: 'success', sender: 'w2' }, 1_100)).toBe(false);
    expect(breaker.takeRefusedPermits()).toEqual(['forged']);
    expect(breaker.currentState).toBe('half-open');
    // The real probe's report closes it; its permit, used up, counts as no permit afterwards.
    expect(breaker.report({ outcome: 'success', permitId: 'p1' }, 1_200)).toBe(true);
    expect(breaker.currentState).toBe('closed');
    breaker.report({ outcome: 'failure', permitId: 'p1' }, 1_300);
    expect(breaker.takeRefusedPermits()).toEqual(['p1']);
    expect(breaker.inspect(1_300).counts.consecutiveFailures).toBe(1);
  });

  it('takes a permit-less report of an older dependent as the probe its sender holds', () => {
    const { breaker } = countingMachine();
    breaker.report({ outcome: 'failure' }, 0);
    breaker.report({ outcome: 'failure' }, 0);
    breaker.tick(1_000);
    breaker.permit({}, 'w1', 1_000, () => 'p1');
    expect(breaker.report({ outcome: 'success', sender: 'w1', startedAt: 1_050 }, 1_100)).toBe(true);
    expect(breaker.currentState).toBe('closed');
  });
});
