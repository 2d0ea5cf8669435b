// Helpers shared by this package's tests: the fixture workflows' path, the critical-section recorder, and
// the activities every test worker registers.
import { fileURLToPath } from 'node:url';
import type { TemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { createMutexActivities } from '../client.js';
import type { CriticalSectionActivities } from './test-workflows.js';

export const workflowsPath = fileURLToPath(new URL('./test-workflows.ts', import.meta.url));

export interface Visit {
  resourceId: string;
  workflowId: string;
  fencingToken: number;
  enteredAt: number;
  exitedAt: number;
}

/** Activities that record who was inside the critical section, when, and with which token. */
export function criticalSectionRecorder(): CriticalSectionActivities & { visits: Visit[] } {
  const visits: Visit[] = [];
  return {
    visits,
    async enterCriticalSection({ resourceId, workflowId, fencingToken, holdMs }) {
      const enteredAt = performance.timeOrigin + performance.now();
      await new Promise((r) => setTimeout(r, holdMs));
      visits.push({
        resourceId,
        workflowId,
        fencingToken,
        enteredAt,
        exitedAt: performance.timeOrigin + performance.now(),
      });
    },
  };
}

/** The most insiders at any one moment. */
export function maxConcurrent(visits: Visit[]): number {
  const edges = visits.flatMap((v) => [
    { at: v.enteredAt, delta: 1 },
    { at: v.exitedAt, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let inside = 0;
  let most = 0;
  for (const edge of edges) {
    inside += edge.delta;
    most = Math.max(most, inside);
  }
  return most;
}

/** The mutex's activities (created on `env.client`) and `extra`. */
export function workerActivities(env: TemporalTestEnv, extra: object = {}): object {
  return { ...createMutexActivities(env.client), ...extra };
}

/** The senders of the release signals in a mutex's history, in order. */
export function releaseSenders(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'mutex.release')
    .map((e) => {
      const payload = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
      return (payload ? defaultPayloadConverter.fromPayload<{ sender?: string }>(payload).sender : '') ?? '';
    });
}
