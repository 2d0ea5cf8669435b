import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { describe, expect, it } from 'vitest';
import type { CircuitBreakerOptions } from './client.js';
import { statusesUntil, withBreakerTest } from './__tests__/test-helpers.js';
import { dependentWorkflow } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

describe('circuitBreakerWorkflow with subscribed dependents', () => {
  it('pauses 20 subscribers after the failure threshold and resumes them all after a successful probe', () =>
    withBreakerTest(env, 'payments', async ({ dependency, fake, start, inspect }) => {
      const options: CircuitBreakerOptions = { failureThreshold: 3, cooldown: '4s', probeTimeout: '10s' };
      const dependents = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          // Lingering after the jobs keeps every dependent up to receive the resume broadcast.
          start(dependentWorkflow, `dependent-${i}`, {
            dependency,
            caller: `d${i}`,
            jobs: 2,
            subscribe: true,
            options,
            lingerMs: 3_000,
          }),
        ),
      );

      // Every dependent is parked in its guard with a pause signal applied, while the breaker is open.
      await statusesUntil(dependents, 'all 20 dependents paused', (s) => s.paused && s.waiting);
      const atPause = await inspect();
      expect(atPause.state).not.toBe('closed');
      expect(atPause.subscribers).toHaveLength(20);
      expect(atPause.transitions[0]).toMatchObject({
        from: 'closed',
        to: 'open',
        reason: '3 consecutive failures',
      });
      const callsBeforePause = fake.state.calls.length;

      fake.state.healthy = true;
      const results = await Promise.all(dependents.map((d) => d.result()));

      for (const result of results) {
        expect(result.done).toBe(2);
        expect(result.notices.pauses).toBeGreaterThanOrEqual(1);
        expect(result.notices.resumes).toBe(1);
      }
      // Once paused, nobody called the dependency while the breaker was open; exactly one probe went
      // through while half-open (and succeeded), everything else after the breaker closed.
      const later = fake.state.calls.slice(callsBeforePause);
      expect(later.filter((c) => c.breakerState === 'open')).toEqual([]);
      expect(later.filter((c) => c.breakerState === 'half-open')).toEqual([
        expect.objectContaining({ probe: true, ok: true }),
      ]);
      expect(later.filter((c) => c.breakerState === 'closed').length).toBe(later.length - 1);
      expect(later.filter((c) => c.breakerState === 'closed').every((c) => !c.probe && c.ok)).toBe(true);

      const after = await inspect();
      expect(after.state).toBe('closed');
      expect(after.transitions.slice(-2).map((t) => t.to)).toEqual(['half-open', 'closed']);
      // Every stay in "open" lasted at least the cooldown.
      after.transitions.forEach((t, i) => {
        if (t.to === 'half-open') expect(t.at - after.transitions[i - 1]!.at).toBeGreaterThanOrEqual(4_000);
      });
      expect(after.pendingNotices).toBe(0);
      expect(after.totals.pruned).toBe(0);
      expect(after.totals.successes).toBe(40);
    }));
});
