import { randomUUID } from 'node:crypto';
import { pollUntil, useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { InvalidSignalPayloadError } from '@temporal-patterns/signal-utils';
import { describe, expect, it } from 'vitest';
import { CARRIED_LIMITS, type BreakerSnapshot } from './breaker-machine.js';
import { circuitBreakerWorkflowId, forceClose, forceOpen, reportOutcome } from './client.js';
import {
  CIRCUIT_BREAKER_LIMITS,
  circuitBreakerReportBatchSignal,
  circuitBreakerSubscribeSignal,
} from './definitions.js';
import { withBreakerTest } from './__tests__/test-helpers.js';

const env = useTemporalTestEnv();

const MiB = 1024 * 1024;
/** Temporal refuses a payload over 2 MiB; the carried state must stay well under it. */
const CARRIED_BUDGET = 1.5 * MiB;

/** A string of exactly `length` characters that starts with `prefix`. */
function padded(prefix: string, length: number): string {
  return `${prefix}-`.padEnd(length, 'x');
}

async function inChunks<T>(items: T[], size: number, send: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(send));
}

describe('bounded state', () => {
  it(
    'caps every carried list at its limit, carries well under 2 MiB, and keeps serving',
    () =>
      withBreakerTest(env, 'caps', async ({ dependency, taskQueue, startBreaker, inspect, inspectUntil }) => {
        const handle = await startBreaker({ cooldown: '1 hour', failureThreshold: 5 });
        const longId = CIRCUIT_BREAKER_LIMITS.workflowIdLength;
        const sender = padded('operator', longId);
        const reason = padded('maintenance', CIRCUIT_BREAKER_LIMITS.reasonLength);

        // Transitions with the longest sender and reason, while there is nobody to notify yet.
        for (let i = 0; i < 11; i += 1) {
          await forceOpen(env.client, dependency, { sender, reason });
          await forceClose(env.client, dependency, { sender, reason });
        }
        // Proceed-anyway permits for the longest holder ids (forged requesters: the answers go nowhere).
        await forceOpen(env.client, dependency, { sender, reason });
        await inChunks(
          Array.from({ length: CARRIED_LIMITS.overrides + 20 }, (_, i) => padded(`holder-${i}`, longId)),
          50,
          (holder) =>
            handle.signal('circuit-breaker.permit.request', {
              correlationId: randomUUID(),
              sender: holder,
              payload: { proceed: true },
            }),
        );
        // A forged request id far longer than ours: answered, never carried.
        await handle.signal('circuit-breaker.permit.request', {
          correlationId: 'c'.repeat(10_000),
          sender: 'forger',
          payload: { peek: true },
        });
        await forceClose(env.client, dependency, { sender, reason });
        // Deduplication memory filled with the longest batch ids, and the longest last failure.
        const batchIds = Array.from({ length: 150 }, (_, i) =>
          padded(`batch-${i}`, CIRCUIT_BREAKER_LIMITS.reportIdLength),
        );
        await inChunks(batchIds, 50, (batchId) =>
          handle.signal(circuitBreakerReportBatchSignal.definition, {
            batchId,
            runs: [{ outcome: 'success', count: 1 }],
          }),
        );
        await reportOutcome(
          env.client,
          { dependency },
          { outcome: 'failure', sender, detail: 'd'.repeat(CIRCUIT_BREAKER_LIMITS.detailLength) },
        );
        // Subscribers with the longest ids, far more than the subscriber budget holds.
        const subscribers = Array.from({ length: 2_000 }, (_, i) => padded(`${dependency}-s${i}`, longId));
        await inChunks(subscribers, 100, (workflowId) =>
          handle.signal(circuitBreakerSubscribeSignal.definition, { workflowId }),
        );
        const perSubscriber = longId + 2 + 16;
        const subscriberCap = Math.floor(CARRIED_LIMITS.subscriberBytes / perSubscriber);
        const full = await inspectUntil(
          'every subscription handled',
          (i) => i.totals.failures === 1 && env.logsMatching('subscriber ids over 768 KiB').length > 0,
          120_000,
        );
        expect(full.subscribers).toHaveLength(subscriberCap);

        // A continue-as-new after all of it: the breaker's next run starts from what it carried.
        const runBefore = full.run;
        await pollUntil(
          async () => {
            await handle.signal(circuitBreakerReportBatchSignal.definition, {
              batchId: batchIds[0]!,
              runs: [{ outcome: 'success', count: 1 }],
            });
            return (await inspect()).run > runBefore;
          },
          { what: 'a continue-as-new', timeoutMs: 60_000, intervalMs: 20 },
        );
        const history = await env.client.workflow
          .getHandle(circuitBreakerWorkflowId(dependency))
          .fetchHistory();
        const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
        const carriedBytes = input?.data?.length ?? 0;
        const carried = (
          JSON.parse(Buffer.from(input!.data!).toString('utf8')) as { carried: BreakerSnapshot }
        ).carried;
        expect(carriedBytes).toBeGreaterThan(0.5 * MiB);
        expect(carriedBytes).toBeLessThan(CARRIED_BUDGET);
        expect(carried.subscribers).toHaveLength(subscriberCap);
        expect(carried.overrides).toHaveLength(CARRIED_LIMITS.overrides);
        expect(carried.seenReports.length).toBeLessThanOrEqual(
          Math.floor(CARRIED_LIMITS.seenReportBytes / (CIRCUIT_BREAKER_LIMITS.reportIdLength + 2 + 16)),
        );
        expect(carried.answeredRequests.every((id) => /^[\w-]{1,64}$/.test(id))).toBe(true);
        expect(carried.answeredRequests.length).toBeGreaterThan(0);
        expect(carried.transitions).toHaveLength(20);
        expect(carried.transitions.every((t) => t.reason.length <= CARRIED_LIMITS.reasonLength)).toBe(true);
        expect(carried.lastFailure!.length).toBeLessThanOrEqual(CARRIED_LIMITS.failureLength);

        // Bad input is refused, typed at the sender and logged at the breaker, which keeps serving.
        await expect(
          reportOutcome(env.client, { dependency }, { outcome: 'failure', sender: 's'.repeat(longId + 1) }),
        ).rejects.toBeInstanceOf(InvalidSignalPayloadError);
        await handle.signal(circuitBreakerSubscribeSignal.definition, { workflowId: 'w'.repeat(longId + 1) });
        await pollUntil(
          () =>
            env.logsMatching(`workflowId must be a non-empty string of at most ${longId} characters`).length >
            0,
          { what: 'the overlong subscription refused' },
        );
        const before = (await inspect()).totals.successes;
        await reportOutcome(env.client, { dependency, taskQueue }, { outcome: 'success', sender: 'after' });
        const after = await inspectUntil(
          'a report counted after the caps',
          (i) => i.totals.successes > before,
        );
        expect(after.subscribers).toHaveLength(subscriberCap);
        const description = await env.client.workflow
          .getHandle(circuitBreakerWorkflowId(dependency))
          .describe();
        expect(description.status.name).toBe('RUNNING');
      }),
    240_000,
  );
});
