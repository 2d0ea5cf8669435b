// Fixture workflows for this package's tests (not part of the published entries).
import { ApplicationFailure } from '@temporalio/common';
import { condition, defineSignal, setHandler, sleep } from '@temporalio/workflow';
import {
  createRequester,
  defineRequestResponse,
  defineSequencedSignal,
  defineTypedSignal,
  SequenceGapError,
  SequencedReceiver,
  type SequencedReceiverState,
  serveRequests,
  signalWorkflow,
  waitForAnySignal,
  waitForSignal,
} from '../index.js';
import { drainAndContinueAsNew } from '../pattern-kit.js';

export interface Greeting {
  text: string;
  sender: string;
}

export const greetingSignal = defineTypedSignal<Greeting>('test.greeting', (raw) => {
  const g = raw as Partial<Greeting> | null;
  if (typeof g !== 'object' || g === null) throw new Error('expected an object');
  if (typeof g.text !== 'string') throw new Error('text must be a string');
  if (typeof g.sender !== 'string') throw new Error('sender must be a string');
  return { text: g.text, sender: g.sender };
});
export const farewellSignal = defineTypedSignal<string>('test.farewell', (raw) => {
  if (typeof raw !== 'string') throw new Error('expected a string');
  return raw;
});
export const stopSignal = defineSignal('test.stop');

function describeFailure(err: unknown): { name: string; type?: string; message: string } {
  if (err instanceof ApplicationFailure)
    return { name: err.name, type: err.type ?? undefined, message: err.message };
  throw err;
}

/** Waits for one greeting; reports a timeout as data so the test can read it. */
export async function receiveGreeting(
  timeoutMs: number,
): Promise<Greeting | { name: string; message: string }> {
  try {
    return await waitForSignal(greetingSignal, timeoutMs);
  } catch (err) {
    return describeFailure(err);
  }
}

/** Sleeps first, then waits: greetings sent during the sleep must not be lost. */
export async function receiveGreetingLate(sleepMs: number): Promise<Greeting> {
  await sleep(sleepMs);
  return waitForSignal(greetingSignal, '10s');
}

export async function receiveFirstOf(timeoutMs: number): Promise<{ signal: string; payload: unknown }> {
  const first = await waitForAnySignal([greetingSignal, farewellSignal], timeoutMs);
  return { signal: first.signal.name, payload: first.payload };
}

/** Signals `targetId`; reports failures as data. */
export async function sendGreeting(
  targetId: string,
  text: string,
): Promise<'sent' | { name: string; type?: string; message: string }> {
  try {
    await signalWorkflow(targetId, greetingSignal, { text, sender: 'sendGreeting' });
    return 'sent';
  } catch (err) {
    return describeFailure(err);
  }
}

/** Signals `targetId` and lets any failure fail this workflow. */
export async function sendGreetingUnguarded(targetId: string): Promise<void> {
  await signalWorkflow(targetId, greetingSignal, { text: 'hi', sender: 'sendGreetingUnguarded' });
}

export const doubler = defineRequestResponse<{ value: number }, { doubled: number }>('test.double', {
  request: (raw) => {
    if (typeof (raw as { value?: unknown })?.value !== 'number') throw new Error('value must be a number');
    return raw as { value: number };
  },
  response: (raw) => raw as { doubled: number },
});

/** Answers doubling requests until stopped; `delayMs` delays every answer. */
export async function doublingResponder(delayMs: number): Promise<number> {
  let served = 0;
  let stopped = false;
  setHandler(stopSignal, () => {
    stopped = true;
  });
  serveRequests(doubler, async ({ value }) => {
    if (delayMs > 0) await sleep(delayMs);
    if (value < 0) throw new Error(`cannot double ${value}`);
    served += 1;
    return { doubled: value * 2 };
  });
  await condition(() => stopped);
  return served;
}

/** Sends `values` as concurrent requests and returns each answer or error. */
export async function doublingRequester(
  responderId: string,
  values: number[],
  timeoutMs: number,
  lingerMs = 0,
): Promise<{ answers: Array<number | string>; droppedResponses: number }> {
  const requester = createRequester(doubler);
  const answers = await Promise.all(
    values.map(async (value) => {
      try {
        return (await requester.call(responderId, { value }, { timeout: timeoutMs })).doubled;
      } catch (err) {
        return describeFailure(err).name;
      }
    }),
  );
  if (lingerMs > 0) await sleep(lingerMs);
  return { answers, droppedResponses: requester.droppedResponses };
}

export const numbersSignal = defineSequencedSignal<number>('test.numbers', (raw) => {
  if (typeof raw !== 'number') throw new Error('expected a number');
  return raw;
});

export interface ConsumerInput {
  expected: number;
  gapTimeoutMs: number;
  /** Continue as new after every this many received messages. */
  continueEvery?: number;
  state?: SequencedReceiverState<number>;
  received?: number[];
  runs?: number;
}

export interface ConsumerResult {
  received: number[];
  duplicatesDropped: number;
  runs: number;
  gap?: { channel: string; expectedSeq: number };
}

/** Receives sequenced numbers until `expected` arrived, continuing as new along the way when asked. */
export async function sequencedConsumer(input: ConsumerInput): Promise<ConsumerResult> {
  const receiver = new SequencedReceiver(numbersSignal, {
    gapTimeout: input.gapTimeoutMs,
    state: input.state,
  });
  const received = [...(input.received ?? [])];
  const runs = (input.runs ?? 0) + 1;
  let sinceStart = 0;
  while (received.length < input.expected) {
    try {
      const message = await receiver.receive('30s');
      received.push(message.payload);
      sinceStart += 1;
    } catch (err) {
      if (err instanceof SequenceGapError) {
        return {
          received,
          duplicatesDropped: receiver.duplicatesDropped,
          runs,
          gap: { channel: err.channel, expectedSeq: err.expectedSeq },
        };
      }
      throw err;
    }
    if (input.continueEvery && sinceStart >= input.continueEvery && received.length < input.expected) {
      await drainAndContinueAsNew<typeof sequencedConsumer>(() => [
        { ...input, state: receiver.snapshot(), received, runs },
      ]);
    }
  }
  return { received, duplicatesDropped: receiver.duplicatesDropped, runs };
}

/** Signals a specific run of `targetId`; reports failures as data. */
export async function sendGreetingToRun(
  targetId: string,
  runId: string,
): Promise<'sent' | { name: string; type?: string; message: string }> {
  try {
    await signalWorkflow({ workflowId: targetId, runId }, greetingSignal, {
      text: 'hi',
      sender: 'sendGreetingToRun',
    });
    return 'sent';
  } catch (err) {
    return describeFailure(err);
  }
}

// Module-level on purpose: the isolation test checks that every execution gets its own copy.
let moduleCounter = 0;
export const countAgainSignal = defineSignal('test.count-again');

/** Counts in module state once at start and once more on `countAgainSignal`; returns both counts. */
export async function countInModuleState(): Promise<number[]> {
  const counts = [++moduleCounter];
  let again = false;
  setHandler(countAgainSignal, () => void (again = true));
  await condition(() => again);
  counts.push(++moduleCounter);
  return counts;
}
