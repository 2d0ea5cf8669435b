// The long-running workflows of every pattern that the malformed-payload scenario sends garbage to, each
// with the signals it takes and a payload each signal accepts.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { mutexWorkflowId } from '@temporal-patterns/mutex';
import {
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexRenewSignal,
  mutexWithdrawSignal,
} from '@temporal-patterns/mutex/definitions';
import {
  circuitBreakerForceSignal,
  circuitBreakerReportSignal,
  circuitBreakerSubscribeSignal,
  circuitBreakerUnsubscribeSignal,
} from '@temporal-patterns/circuit-breaker/definitions';
import { circuitBreakerWorkflowId, startCircuitBreaker } from '@temporal-patterns/circuit-breaker/client';
import {
  fanoutCleanupSignal,
  fanoutReportSignal,
  fanoutStartSignal,
} from '@temporal-patterns/fanout/definitions';
import { startFanout } from '@temporal-patterns/fanout/client';
import {
  pipelineCreditSignal,
  pipelineItemsSignal,
  pipelineStageFailedSignal,
} from '@temporal-patterns/pipeline/definitions';
import { definePipeline, startPipeline } from '@temporal-patterns/pipeline/client';
import { startMutex } from '../start-mutex.js';
import type { TargetSignal } from './malformed-shapes.js';
import { FAULT_MUTEX } from './options.js';

export interface Target {
  pattern: string;
  workflowId: string;
  signals: TargetSignal[];
  /** A child started ahead by its parent: wait until it exists before sending to it. */
  startedAhead?: boolean;
}

export interface MalformedTargets {
  targets: Target[];
  /** The resource of the mutex among the targets. */
  resourceId: string;
  /** Terminates the fan-out and the pipeline run (the mutex and the breaker are left running). */
  stop(): Promise<void>;
}

/** Starts a mutex, a circuit breaker, a fan-out and a pipeline run that all keep running. */
export async function startMalformedTargets(client: Client, taskQueue: string): Promise<MalformedTargets> {
  const resourceId = `malformed-${randomUUID().slice(0, 8)}`;
  await startMutex(client, taskQueue, resourceId, FAULT_MUTEX);
  const requester = { kind: 'workflow', workflowId: 'w', runId: randomUUID() };
  const targets: Target[] = [
    {
      pattern: 'mutex',
      workflowId: mutexWorkflowId(resourceId),
      signals: [
        {
          signal: mutexLockRequestSignal,
          valid: { requestId: 'q', secret: 's', requester, leaseMs: 1000, timeoutMs: 1000 },
        },
        { signal: mutexReleaseSignal, valid: { requestId: 'q', grantToken: 'g' } },
        { signal: mutexRenewSignal, valid: { requestId: 'q', grantToken: 'g', leaseMs: 1000 } },
        { signal: mutexWithdrawSignal, valid: { requestId: 'q', secret: 's' } },
      ],
    },
  ];
  const dependency = `faults-${randomUUID().slice(0, 8)}`;
  await startCircuitBreaker(client, { dependency, taskQueue });
  targets.push({
    pattern: 'circuit-breaker',
    workflowId: circuitBreakerWorkflowId(dependency),
    signals: [
      { signal: circuitBreakerReportSignal, valid: { outcome: 'failure' } },
      { signal: circuitBreakerSubscribeSignal, valid: { workflowId: 'w' } },
      { signal: circuitBreakerUnsubscribeSignal, valid: { workflowId: 'w' } },
      { signal: circuitBreakerForceSignal, valid: { mode: 'open' } },
    ],
  });
  // A fan-out whose two children wait forever: the parent takes reports, a child takes start/clean-up.
  const fanoutId = `faults-fanout-${randomUUID().slice(0, 8)}`;
  const fanout = await startFanout(client, {
    workflowId: fanoutId,
    taskQueue,
    childWorkflowType: 'blockingFanoutChild',
    inputs: ['a', 'b'],
    window: 1,
    startAhead: 1,
  });
  const identity = { fanoutId, parentWorkflowId: fanoutId, index: 1, childId: `${fanoutId}/1` };
  targets.push({
    pattern: 'fanout (parent)',
    workflowId: fanoutId,
    signals: [{ signal: fanoutReportSignal, valid: { ...identity, status: 'done' } }],
  });
  targets.push({
    pattern: 'fanout (child)',
    workflowId: `${fanoutId}/1`,
    signals: [
      { signal: fanoutStartSignal, valid: { ...identity, input: 'x' } },
      { signal: fanoutCleanupSignal, valid: { ...identity, reason: 'cancelled' } },
    ],
    startedAhead: true,
  });
  // A pipeline run left open (no items, input not closed): the run and its one stage keep running.
  const pipelineRunId = `faults-pipeline-${randomUUID().slice(0, 8)}`;
  const pipeline = await startPipeline(
    client,
    definePipeline('faults', [{ name: 'hold', activity: 'benchPipelineStage' }]),
    { runId: pipelineRunId, taskQueue },
  );
  targets.push({
    pattern: 'pipeline (run)',
    workflowId: pipelineRunId,
    signals: [
      { signal: pipelineItemsSignal, valid: { sender: 's', channel: 'c', entries: [] } },
      {
        signal: pipelineStageFailedSignal,
        valid: { sender: 's', stage: 'hold', kind: 'stalled', detail: 'd' },
      },
    ],
  });
  targets.push({
    pattern: 'pipeline (stage)',
    workflowId: `${pipelineRunId}/stage/hold`,
    signals: [
      { signal: pipelineItemsSignal, valid: { sender: 's', channel: 'c', entries: [] } },
      { signal: pipelineCreditSignal, valid: { sender: 's', stage: 'hold', released: 1 } },
    ],
    startedAhead: true,
  });
  const stop = async (): Promise<void> => {
    await fanout.terminate('fault suite done').catch(() => undefined);
    await client.workflow
      .getHandle(pipeline.runId ?? pipelineRunId)
      .terminate('fault suite done')
      .catch(() => undefined);
  };
  return { targets, resourceId, stop };
}
