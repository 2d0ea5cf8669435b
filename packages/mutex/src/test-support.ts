import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleOnce, type TemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { createMutexActivities } from './client.js';
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

export function workerActivities(env: TemporalTestEnv, extra: object = {}): object {
  return { ...createMutexActivities(env.client), ...extra };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Replays the recorded histories of these workflows against today's code: a non-determinism fails. */
export async function replayRecordedHistories(
  client: Client,
  executions: Array<{ workflowId: string; runId?: string }>,
): Promise<number> {
  const histories = await Promise.all(
    executions.map(async ({ workflowId, runId }) => ({
      workflowId,
      history: temporal.api.history.v1.History.create(
        await client.workflow.getHandle(workflowId, runId).fetchHistory(),
      ),
    })),
  );
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await bundleOnce(workflowsPath) },
    histories,
  )) {
    if (result.error) throw result.error;
    replayed += 1;
  }
  return replayed;
}
