// Activities for this package's tests: they record every effect so tests can check exactly-once.
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { StageActivityInput } from '../index.js';

export interface Effect {
  runId: string;
  stage: string;
  itemId: string;
  index: number;
  idempotencyKey: string;
  inputs: Record<string, unknown>;
}

/** Every call of a test activity, in call order, across the whole test file. */
export const effects: Effect[] = [];

/** Effects of one run's stage, in call order. */
export function effectsOf(runId: string, stage: string): Effect[] {
  return effects.filter((e) => e.runId === runId && e.stage === stage);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * `pipelineTestStep` appends `>stage` to its input (fan-in: joins inputs by upstream name). An input
 * containing `fail@<stage>` fails for good in that stage; `slow@<stage>` sleeps 3 s there (longer than
 * the tests' item timeouts); `longfail@<stage>` fails there with a 5,000-character message; `big@<stage>` makes that stage's output 300 KiB (too large for one signal);
 * `delayMs` slows every call, `delays` the calls of one stage.
 */
export function createTestActivities(options: { delayMs?: number; delays?: Record<string, number> } = {}) {
  return {
    async pipelineTestStep(input: StageActivityInput): Promise<string> {
      const source =
        input.ref !== undefined
          ? describe(input.ref)
          : Object.keys(input.inputs)
              .sort()
              .map((k) => `${k}:${describe(input.inputs[k])}`)
              .join('+');
      if (source.includes(`longfail@${input.stage}`))
        throw ApplicationFailure.nonRetryable(`cannot process ${input.itemId}: `.padEnd(5_000, '!'));
      if (source.includes(`fail@${input.stage}`))
        throw ApplicationFailure.nonRetryable(`cannot process ${input.itemId}`, 'TestStepFailure');
      if (source.includes(`slow@${input.stage}`)) await Context.current().sleep(3_000);
      const delay = options.delays?.[input.stage] ?? options.delayMs;
      if (delay) await Context.current().sleep(delay);
      effects.push({
        runId: input.runId,
        stage: input.stage,
        itemId: input.itemId,
        index: input.index,
        idempotencyKey: input.idempotencyKey,
        inputs: input.inputs,
      });
      const output = `${input.ref !== undefined ? describe(input.ref) : `(${source})`}>${input.stage}`;
      return source.includes(`big@${input.stage}`) ? output.padEnd(300 * 1024, '.') : output;
    },
  };
}
