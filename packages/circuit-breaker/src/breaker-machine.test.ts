import { describe, expect, it } from 'vitest';
import { BreakerMachine } from './breaker-machine.js';
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
});
