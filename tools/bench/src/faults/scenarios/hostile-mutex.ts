// Hostile input to a mutex: well-formed payloads with 100 KiB ids and strings, releases, renewals and
// withdrawals of unknown requests, forged grant tokens and secrets, sent while one workflow holds the
// lock and another waits. Each is refused (logged, or a rejected update), the mutex keeps running, and
// the holder, the waiter and a later requester are all served.
import { randomUUID } from 'node:crypto';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import {
  mutexAcquireUpdate,
  mutexForceReleaseUpdate,
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexReleaseUpdate,
  mutexRenewSignal,
  mutexStateQuery,
  mutexWithdrawSignal,
} from '@temporal-patterns/mutex/definitions';
import type { TemporalStack } from '../../temporal-stack.js';
import { startMutex } from '../../start-mutex.js';
import { contender, type ContenderInput } from '../../workflows.js';
import { checkNoTaskFailed, huge, pollFor, waitForRefusals, within } from '../hostile.js';
import { FAULT_MUTEX } from '../options.js';
import type { FaultSuite } from '../suite.js';

const scenario = 'hostile-mutex';

/** Resolves to the error message when `promise` rejects, or to a description of what it returned. */
async function outcome(promise: Promise<unknown>): Promise<{ rejected: boolean; text: string }> {
  try {
    return { rejected: false, text: `returned ${JSON.stringify(await promise)?.slice(0, 100)}` };
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return {
      rejected: true,
      text: `${String((err as Error).message)}${cause ? `: ${cause}` : ''}`.slice(0, 160),
    };
  }
}

export async function hostileMutex(
  { checks }: FaultSuite,
  { client, worker, taskQueue }: TemporalStack,
): Promise<void> {
  const resourceId = `hostile-${randomUUID().slice(0, 8)}`;
  await startMutex(client, taskQueue, resourceId, FAULT_MUTEX);
  const mutex = client.workflow.getHandle(mutexWorkflowId(resourceId));
  const state = () => mutex.query(mutexStateQuery);
  // The holder stays in its section long enough for every hostile input to arrive while it holds.
  const hold: ContenderInput = { resourceId, cycles: 1, holdMs: 5000, leaseMs: 60_000, timeoutMs: 60_000 };
  const holder = await client.workflow.start(contender, {
    taskQueue,
    workflowId: `${resourceId}-holder`,
    args: [hold],
  });
  const held = (await pollFor(state, (s) => s.holders.length === 1)).holders[0];
  const waiter = await client.workflow.start(contender, {
    taskQueue,
    workflowId: `${resourceId}-waiter`,
    args: [{ ...hold, holdMs: 0 }],
  });
  const queued = (await pollFor(state, (s) => s.queue.length === 1)).queue[0];
  if (!held || !queued) {
    checks.check(
      scenario,
      'a holder and a waiter in place',
      false,
      'the holder or the waiter did not show up in 30 s',
    );
    return;
  }
  const startedAt = Date.now();
  const since = worker.logs.length;
  const requester = { kind: 'workflow', workflowId: `${resourceId}-forger`, runId: randomUUID() };
  const request = { requestId: randomUUID(), secret: 's', requester, leaseMs: 60_000, timeoutMs: 60_000 };
  const hostileSignals: Array<[string, unknown]> = [
    [mutexLockRequestSignal.name, { ...request, requestId: huge('request') }],
    [mutexLockRequestSignal.name, { ...request, secret: huge('secret') }],
    [mutexLockRequestSignal.name, { ...request, requester: { ...requester, workflowId: huge('requester') } }],
    [mutexReleaseSignal.name, { requestId: 'unknown-request', grantToken: 'g', sender: 'forger' }],
    [mutexReleaseSignal.name, { requestId: held.requestId, grantToken: 'forged-token', sender: 'forger' }],
    [
      mutexReleaseSignal.name,
      { requestId: held.requestId, grantToken: 'forged-token', sender: huge('sender') },
    ],
    [mutexReleaseSignal.name, { requestId: held.requestId, grantToken: huge('token') }],
    [mutexRenewSignal.name, { requestId: 'unknown-request', grantToken: 'g', leaseMs: 1 }],
    [mutexRenewSignal.name, { requestId: held.requestId, grantToken: 'forged-token', leaseMs: 1 }],
    [mutexWithdrawSignal.name, { requestId: queued.requestId, secret: 'forged-secret' }],
    [mutexWithdrawSignal.name, { requestId: held.requestId, secret: 'forged-secret' }],
    [mutexWithdrawSignal.name, { requestId: huge('withdrawn'), secret: 's' }],
  ];
  for (const [name, payload] of hostileSignals) await mutex.signal(name, payload);
  // A withdrawal of an id the mutex never saw is settled silently by design (it may precede its request).
  await mutex.signal(mutexWithdrawSignal.name, { requestId: 'unknown-withdrawn', secret: 's' });
  const forceRelease = await outcome(
    mutex.executeUpdate(mutexForceReleaseUpdate, { args: [{ operator: 'forger', reason: huge('reason') }] }),
  );
  const acquire = await outcome(
    within(
      mutex.executeUpdate(mutexAcquireUpdate, {
        args: [
          {
            ...request,
            requestId: huge('client-request'),
            requester: { kind: 'client', clientId: 'forger' },
          },
        ],
      }),
      10_000,
    ),
  );
  const release = await outcome(
    mutex.executeUpdate(mutexReleaseUpdate, {
      args: [{ requestId: held.requestId, grantToken: 'forged-token' }],
    }),
  );
  const refusals = await waitForRefusals(worker, since, mutex.workflowId, hostileSignals.length + 1);
  checks.facts[scenario] = {
    resourceId,
    hostileSignals: hostileSignals.length + 1,
    refusals: refusals.length,
  };
  checks.check(
    scenario,
    'each hostile signal refused and logged (100 KiB ids, unknown ids, forged tokens and secrets)',
    refusals.length >= hostileSignals.length,
    `${refusals.length} refusals logged for ${hostileSignals.length} hostile signals (+1 withdrawal of an unknown id, settled silently)` +
      (refusals.length < hostileSignals.length
        ? `; logged: ${refusals.map((r) => r.slice(0, 60)).join(' | ')}`
        : ''),
  );
  checks.check(
    scenario,
    'hostile updates refused: a 100 KiB force-release reason and acquire id rejected, a forged release answered false',
    forceRelease.rejected && acquire.rejected && !release.rejected && release.text === 'returned false',
    `force-release: ${forceRelease.text}; acquire: ${acquire.text}; release: ${release.text}`,
  );
  const after = await state();
  const inTime = Date.now() - startedAt < hold.holdMs - 500;
  checks.check(
    scenario,
    'the holder still holds and the waiter still waits; nothing forged was queued',
    inTime &&
      after.holders.length === 1 &&
      after.holders[0]?.requestId === held.requestId &&
      after.holders[0].leaseExpiresAt === held.leaseExpiresAt &&
      after.queue.map((w) => w.requestId).join() === queued.requestId,
    inTime
      ? `holders ${JSON.stringify(after.holders.map((h) => h.requestId.slice(0, 40)))} (lease end ${after.holders[0]?.leaseExpiresAt === held.leaseExpiresAt ? 'unchanged' : 'changed'}); queue ${JSON.stringify(after.queue.map((w) => w.requestId.slice(0, 40)))}`
      : `the hostile input took ${Date.now() - startedAt} ms, longer than the holder's section: no verdict possible`,
  );
  const served = await Promise.allSettled([holder.result(), waiter.result()]);
  let next: { tokens: number[] } | undefined;
  let nextError = '';
  try {
    next = await client.workflow.execute(contender, {
      taskQueue,
      workflowId: `${resourceId}-after`,
      args: [{ ...hold, holdMs: 0, timeoutMs: 30_000 }],
    });
  } catch (err) {
    nextError = String(err).slice(0, 200);
  }
  const tokens = served.flatMap((r) => (r.status === 'fulfilled' ? r.value.tokens : []));
  checks.check(
    scenario,
    'queued work not lost: holder, waiter and a later requester each granted, tokens increasing',
    tokens.length === 2 &&
      (next?.tokens.length ?? 0) === 1 &&
      tokens[0]! < tokens[1]! &&
      tokens[1]! < next!.tokens[0]!,
    `holder and waiter tokens ${tokens.join(', ') || 'none'}; later requester ${next ? `token ${next.tokens.join(', ')}` : `failed: ${nextError}`}`,
  );
  await checkNoTaskFailed(
    checks,
    scenario,
    'mutex still running, no workflow task failed by its code',
    client,
    [mutex.workflowId],
    {
      running: true,
    },
  );
}
