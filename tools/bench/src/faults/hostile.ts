// What the hostile-input scenarios share: oversized strings, the refusals a worker logged, and the check
// that a pattern workflow kept running with no workflow task failed by its code.
import type { Client } from '@temporalio/client';
import { sleep } from '../common.js';
import type { WorkerProcess } from '../processes.js';
import type { CheckList } from './checks.js';
import { taskFailuresByFault } from './failed-tasks.js';

/** Size of the oversized ids and strings: far over any id limit, well under Temporal's payload limits. */
export const HUGE_LENGTH = 100 * 1024;

/** A 100 KiB string starting with `tag`. */
export function huge(tag: string): string {
  return `${tag}-`.padEnd(HUGE_LENGTH, 'x');
}

/** Log lines by which a pattern says it refused or ignored an input. */
const REFUSAL = /Rejected malformed payload|ignored|dropped|refused/i;

/** Refusals `workflowId` logged after log line `since` of the worker. */
export function refusalsLogged(worker: WorkerProcess, since: number, workflowId: string): string[] {
  return worker.logs
    .slice(since)
    .filter((l) => l.workflowId === workflowId && REFUSAL.test(l.message))
    .map((l) => l.message);
}

/** Waits (bounded) until `workflowId` has logged at least `count` refusals since `since`; returns them. */
export async function waitForRefusals(
  worker: WorkerProcess,
  since: number,
  workflowId: string,
  count: number,
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (refusalsLogged(worker, since, workflowId).length < count && Date.now() < deadline) await sleep(200);
  return refusalsLogged(worker, since, workflowId);
}

/**
 * Polls `read` until `done` holds (bounded); returns the last value read. A read that fails (a query the
 * busy workflow could not answer in time) counts as not done; when none succeeded, the last error is thrown.
 */
export async function pollFor<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | undefined;
  for (;;) {
    try {
      last = { value: await read() };
      if (done(last.value)) return last.value;
    } catch (err) {
      if (Date.now() > deadline && !last) throw err;
    }
    if (Date.now() > deadline && last) return last.value;
    await sleep(200);
  }
}

/** `promise`, or `undefined` once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Checks that none of `workflowIds` had a workflow task failed by its code (and, with `running`, that each still runs). */
export async function checkNoTaskFailed(
  checks: CheckList,
  scenario: string,
  label: string,
  client: Client,
  workflowIds: string[],
  { running = false }: { running?: boolean } = {},
): Promise<void> {
  const problems: string[] = [];
  let forced = 0;
  for (const id of workflowIds) {
    const handle = client.workflow.getHandle(id);
    const { workflows, server } = await taskFailuresByFault(handle);
    forced += server.length;
    if (workflows[0])
      problems.push(`${id.slice(0, 80)}: ${workflows.length} failed (first: ${workflows[0].slice(0, 200)})`);
    if (running) {
      const status = (await handle.describe()).status.name;
      if (status !== 'RUNNING') problems.push(`${id.slice(0, 80)}: ${status}`);
    }
  }
  checks.check(
    scenario,
    label,
    problems.length === 0,
    (problems.length
      ? problems.join('; ')
      : `${workflowIds.length} workflows checked, none failed a task by its code`) +
      (forced ? `; ${forced} tasks force-closed by the server and retried` : ''),
  );
}
