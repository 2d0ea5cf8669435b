import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  CIRCUIT_BREAKER_REFUSED,
  circuitBreakerWorkflowId,
  createCircuitBreakerActivities,
  inspectCircuitBreaker,
  startCircuitBreaker,
  withCircuitBreaker,
  type CircuitBreakerOptions,
} from './client.js';
import { breakerHistory, pauseRecordedAt, workflowsPath } from './__tests__/test-helpers.js';
import { dependentWorkflow, type CallInput } from './__tests__/test-workflows.js';

const env = useTemporalTestEnv();

/** The staleness bound under test: the wrapper's `stateMaxAge`. */
const STATE_MAX_AGE_MS = 500;
/** Date.now() counts whole milliseconds; the server's event times are finer. */
const CLOCK_RESOLUTION_MS = 1;
const DEPENDENTS = 24;

interface ReachedCall extends CallInput {
  /** When the call entered the wrapper (before its state check). */
  enteredAt: number;
}

/** A promise and the function that resolves it. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('no call while open', () => {
  it(`${DEPENDENTS} dependents against a failing dependency: once the opening is ${STATE_MAX_AGE_MS} ms old, only probes reach it`, async () => {
    const dependency = env.taskQueue('ledger');
    const options: CircuitBreakerOptions = { failureThreshold: 3, cooldown: '2s', probeTimeout: '10s' };
    const reached: ReachedCall[] = [];
    let refused = 0;
    let retryableRefusals = 0;
    const wrapped = withCircuitBreaker(
      env.client,
      { dependency },
      async (call: ReachedCall) => {
        reached.push(call);
        throw new Error(`${dependency} is down`);
      },
      { stateMaxAge: STATE_MAX_AGE_MS },
    );

    // Forced order: every dependent's first call is scheduled while the breaker is closed; three of them
    // go through (and open it), the other calls are held until the opening is older than the bound, the
    // way an activity scheduled before the pause signal arrived starts after it.
    let arrived = 0;
    const allArrived = latch();
    const release = latch();
    let released = false;
    const callDependency = async (input: CallInput): Promise<string> => {
      arrived += 1;
      if (!released) {
        if (arrived === DEPENDENTS) allArrived.open();
        await (arrived <= options.failureThreshold! ? allArrived.promise : release.promise);
      }
      try {
        return await wrapped({ ...input, enteredAt: Date.now() });
      } catch (err) {
        if (err instanceof ApplicationFailure && err.type === CIRCUIT_BREAKER_REFUSED) {
          refused += 1;
          if (!err.nonRetryable) retryableRefusals += 1;
        }
        throw err;
      }
    };

    const activities = { ...createCircuitBreakerActivities(env.client), callDependency };
    await env.withWorker({ workflowsPath, activities }, async (taskQueue) => {
      await startCircuitBreaker(env.client, { dependency, taskQueue, options });
      const dependents = await Promise.all(
        Array.from({ length: DEPENDENTS }, (_, i) =>
          env.client.workflow.start(dependentWorkflow, {
            taskQueue,
            workflowId: `${dependency}-dependent-${i}`,
            args: [{ dependency, caller: `d${i}`, jobs: 1, subscribe: true, options }],
          }),
        ),
      );

      const [openedAt] = await pollUntil(
        async () => {
          const times = pauseRecordedAt(await breakerHistory(env.client, dependency));
          return times.length > 0 ? times : undefined;
        },
        { what: 'the breaker to open and broadcast its pause', intervalMs: 250 },
      );
      const bound = openedAt! + STATE_MAX_AGE_MS + CLOCK_RESOLUTION_MS;
      await pollUntil(() => Date.now() > bound, { what: 'the opening to be older than the bound' });
      released = true;
      release.open();

      // Two more openings: half-open probes fail and re-open it; the dependents keep asking all along.
      await pollUntil(async () => pauseRecordedAt(await breakerHistory(env.client, dependency)).length >= 3, {
        what: 'two failed probes to re-open the breaker',
        timeoutMs: 60_000,
        intervalMs: 250,
      });
      const inspection = await inspectCircuitBreaker(env.client, dependency);
      await Promise.all(dependents.map((d) => d.terminate('test done')));
      await env.client.workflow.getHandle(circuitBreakerWorkflowId(dependency)).terminate('test done');

      // The breaker never closed: past the bound, every call that reached the dependency was a probe.
      expect(inspection.transitions.map((t) => t.to)).not.toContain('closed');
      expect(reached.filter((c) => c.enteredAt > bound && !c.probe)).toEqual([]);
      expect(reached.filter((c) => c.enteredAt <= bound).map((c) => c.probe)).toEqual([false, false, false]);
      // Each failed probe re-opened it, and probes were let through while non-probes were refused.
      expect(reached.filter((c) => c.probe).length).toBeGreaterThanOrEqual(2);
      expect(refused).toBeGreaterThanOrEqual(DEPENDENTS - options.failureThreshold!);
      expect(retryableRefusals).toBe(0);
    });
  }, 120_000);
});
