import { ApplicationFailure } from '@temporalio/common';

// Each error is an ApplicationFailure so that, thrown from a workflow, it fails the workflow with a
// recognisable `type` instead of failing the workflow task and retrying forever.

/** A signal payload failed its validator. Handlers never see such a payload. */
export class InvalidSignalPayloadError extends ApplicationFailure {
  override readonly name = 'InvalidSignalPayloadError';
  constructor(
    readonly signalName: string,
    readonly reason: string,
  ) {
    super(`Invalid payload for signal "${signalName}": ${reason}`, 'InvalidSignalPayloadError', true, [
      { signalName, reason },
    ]);
  }
}

/** The target workflow does not exist or has already closed, so the signal was not delivered. */
export class ExternalWorkflowNotFoundError extends ApplicationFailure {
  override readonly name = 'ExternalWorkflowNotFoundError';
  constructor(
    readonly workflowId: string,
    readonly runId: string | undefined,
    readonly signalName: string,
    cause?: Error,
  ) {
    super(
      `Cannot signal "${signalName}" to workflow ${workflowId}${runId ? ` (run ${runId})` : ''}: it does not exist or has already closed`,
      'ExternalWorkflowNotFoundError',
      true,
      [{ workflowId, runId, signalName }],
      cause,
    );
  }
}

/** A signal could not be delivered for a reason other than a missing target (e.g. the per-run signal limit). */
export class SignalDeliveryError extends ApplicationFailure {
  override readonly name = 'SignalDeliveryError';
  constructor(
    readonly workflowId: string,
    readonly signalName: string,
    cause?: Error,
  ) {
    super(
      `Signal "${signalName}" to workflow ${workflowId} failed: ${cause?.message ?? 'unknown reason'}`,
      'SignalDeliveryError',
      true,
      [{ workflowId, signalName }],
      cause,
    );
  }
}

/** No matching signal arrived within the timeout. */
export class SignalTimeoutError extends ApplicationFailure {
  override readonly name = 'SignalTimeoutError';
  constructor(
    readonly signalNames: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(
      `No signal ${signalNames.map((n) => `"${n}"`).join(' or ')} received within ${timeoutMs} ms`,
      'SignalTimeoutError',
      true,
      [{ signalNames, timeoutMs }],
    );
  }
}

/** A request sent over signals got no response within its timeout. */
export class RequestTimeoutError extends ApplicationFailure {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly requestName: string,
    readonly correlationId: string,
    readonly targetWorkflowId: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Request "${requestName}" ${correlationId} to workflow ${targetWorkflowId} got no response within ${timeoutMs} ms`,
      'RequestTimeoutError',
      true,
      [{ requestName, correlationId, targetWorkflowId, timeoutMs }],
    );
  }
}

/** The responder's handler threw; its message is carried back to the requester. */
export class RemoteRequestError extends ApplicationFailure {
  override readonly name = 'RemoteRequestError';
  constructor(
    readonly requestName: string,
    readonly correlationId: string,
    readonly remoteMessage: string,
  ) {
    super(
      `Request "${requestName}" ${correlationId} failed in the responder: ${remoteMessage}`,
      'RemoteRequestError',
      true,
      [{ requestName, correlationId, remoteMessage }],
    );
  }
}

/** A sequenced channel has been missing a message for longer than its gap timeout. */
export class SequenceGapError extends ApplicationFailure {
  override readonly name = 'SequenceGapError';
  constructor(
    readonly channel: string,
    readonly expectedSeq: number,
    readonly bufferedSeqs: readonly number[],
    readonly gapTimeoutMs: number,
  ) {
    super(
      `Channel "${channel}" is missing message ${expectedSeq} after ${gapTimeoutMs} ms (buffered: ${bufferedSeqs.join(', ')})`,
      'SequenceGapError',
      true,
      [{ channel, expectedSeq, bufferedSeqs, gapTimeoutMs }],
    );
  }
}

/** A payload is over the size limit; send a reference to the data instead. */
export class PayloadTooLargeError extends ApplicationFailure {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
    readonly context: string,
  ) {
    super(
      `Payload for ${context} is ${sizeBytes} bytes, over the limit of ${maxBytes} bytes. ` +
        'Store the data elsewhere (object store, database) and send a reference to it (see dataRef()).',
      'PayloadTooLargeError',
      true,
      [{ sizeBytes, maxBytes, context }],
    );
  }
}

/** Declared "waits for" edges form a cycle: the workflows on it would wait for each other forever. */
export class CircularWaitError extends ApplicationFailure {
  override readonly name = 'CircularWaitError';
  constructor(readonly cycle: readonly string[]) {
    super(`Circular wait: ${cycle.join(' → ')}`, 'CircularWaitError', true, [{ cycle }]);
  }
}
