import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { useTemporalTestEnv } from '@temporal-patterns/temporal-harness/testing';
import { CircularWaitError } from '@temporal-patterns/signal-utils/pattern-kit';
import { describe, expect, it } from 'vitest';
import { startPipeline } from './client.js';
import {
  InvalidPipelineDefinitionError,
  definePipeline,
  pipelineRunWorkflow,
  stageWorkflowId,
  type PipelineDefinition,
} from './index.js';
import { sinkStages, sourceStages, upstreamOf } from './pipeline-definition.js';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const env = useTemporalTestEnv();

const cyclic: PipelineDefinition = {
  name: 'cyclic',
  stages: [
    { name: 'a', activity: 'x', downstream: ['b'] },
    { name: 'b', activity: 'x', downstream: ['c'] },
    { name: 'c', activity: 'x', downstream: ['b', 'd'] },
    { name: 'd', activity: 'x' },
  ],
};

describe('definePipeline', () => {
  it('refuses a cycle with an error naming it', () => {
    expect(() => definePipeline(cyclic.name, cyclic.stages)).toThrow(CircularWaitError);
    try {
      definePipeline(cyclic.name, cyclic.stages);
    } catch (err) {
      expect((err as CircularWaitError).cycle).toEqual(['b', 'c', 'b']);
    }
  });

  it.each([
    ['no stages', []],
    [
      'a duplicate name',
      [
        { name: 'a', activity: 'x' },
        { name: 'a', activity: 'y' },
      ],
    ],
    ['an unknown downstream stage', [{ name: 'a', activity: 'x', downstream: ['nope'] }]],
    ['a missing activity', [{ name: 'a', activity: '' }]],
    ['a bad window', [{ name: 'a', activity: 'x', window: 0 }]],
    ['a bad name', [{ name: 'a/b', activity: 'x' }]],
  ])('refuses %s', (_what, stages) => {
    expect(() => definePipeline('bad', stages)).toThrow(InvalidPipelineDefinitionError);
  });

  it('derives first stages, last stages and fan-in inputs', () => {
    const p = definePipeline('p', [
      { name: 'a', activity: 'x', downstream: ['b', 'c'] },
      { name: 'b', activity: 'x', downstream: ['d'] },
      { name: 'c', activity: 'x', downstream: ['d'] },
      { name: 'd', activity: 'x' },
    ]);
    expect(sourceStages(p)).toEqual(['a']);
    expect(sinkStages(p)).toEqual(['d']);
    expect(upstreamOf(p, 'd')).toEqual(['b', 'c']);
    expect(upstreamOf(p, 'a')).toEqual(['@input']);
  });
});

describe('starting a cyclic pipeline', () => {
  it('is refused by startPipeline before any workflow starts', async () => {
    const runId = env.taskQueue('cyclic');
    await expect(startPipeline(env.client, cyclic, { runId, taskQueue: 'unused' })).rejects.toThrow(
      CircularWaitError,
    );
    await expect(env.client.workflow.getHandle(runId).describe()).rejects.toThrow(WorkflowNotFoundError);
  });

  it('fails the run workflow itself before it starts a stage, when started directly', async () => {
    await env.withWorker({ workflowsPath }, async (taskQueue) => {
      const runId = env.taskQueue('cyclic-direct');
      const failure = await env.client.workflow
        .execute(pipelineRunWorkflow, { taskQueue, workflowId: runId, args: [{ definition: cyclic }] })
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'CircularWaitError' });
      for (const stage of ['a', 'b', 'c', 'd']) {
        await expect(env.client.workflow.getHandle(stageWorkflowId(runId, stage)).describe()).rejects.toThrow(
          WorkflowNotFoundError,
        );
      }
    });
  });
});
