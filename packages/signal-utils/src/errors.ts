import { ApplicationFailure } from '@temporalio/common';

/**
 * Base of the errors of every temporal-patterns package. It is an `ApplicationFailure`, so that, thrown
 * from a workflow, it fails the workflow with a recognisable `type` instead of failing the workflow task
 * and retrying forever; `name` and `type` are the subclass's name, and `details` holds the fields a
 * reader needs (the ids, the limit, the timeout).
 */
export abstract class PatternFailure extends ApplicationFailure {
  protected constructor(type: string, message: string, fields?: Record<string, unknown>, cause?: Error) {
    super(message, type, true, fields === undefined ? undefined : [fields], cause);
    Object.defineProperty(this, 'name', { value: type, enumerable: true, configurable: true });
  }
}

/** A signal payload failed its validator. Handlers never see such a payload. */
export class InvalidSignalPayloadError extends PatternFailure {
  constructor(
    readonly signalName: string,
    readonly reason: string,
  ) {
    super('InvalidSignalPayloadError', `Invalid payload for signal "${signalName}": ${reason}`, {
      signalName,
      reason,
    });
  }
}

/** The target workflow does not exist or has already closed, so the signal was not delivered. */
export class ExternalWorkflowNotFoundError extends PatternFailure {
  constructor(
    readonly workflowId: string,
    readonly runId: string | undefined,
    readonly signalName: string,
    cause?: Error,
  ) {
    super(
      'ExternalWorkflowNotFoundError',
      `Cannot signal "${signalName}" to workflow ${workflowId}${runId ? ` (run ${runId})` : ''}: it does not exist or has already closed`,
      { workflowId, runId, signalName },
      cause,
    );
  }
}

/** A signal could not be delivered for a reason other than a missing target (e.g. the per-run signal limit). */
export class SignalDeliveryError extends PatternFailure {
  constructor(
    readonly workflowId: string,
    readonly signalName: string,
    cause?: Error,
  ) {
    super(
      'SignalDeliveryError',
      `Signal "${signalName}" to workflow ${workflowId} failed: ${cause?.message ?? 'unknown reason'}`,
      { workflowId, signalName },
      cause,
    );
  }
}

/** No matching signal arrived within the timeout. */
export class SignalTimeoutError extends PatternFailure {
  constructor(
    readonly signalNames: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(
      'SignalTimeoutError',
      `No signal ${signalNames.map((n) => `"${n}"`).join(' or ')} received within ${timeoutMs} ms`,
      { signalNames, timeoutMs },
    );
  }
}

/** A request sent over signals got no response within its timeout. */
export class RequestTimeoutError extends PatternFailure {
  constructor(
    readonly requestName: string,
    readonly correlationId: string,
    readonly targetWorkflowId: string,
    readonly timeoutMs: number,
  ) {
    super(
      'RequestTimeoutError',
      `Request "${requestName}" ${correlationId} to workflow ${targetWorkflowId} got no response within ${timeoutMs} ms`,
      { requestName, correlationId, targetWorkflowId, timeoutMs },
    );
  }
}

/** The responder's handler threw; its message is carried back to the requester. */
export class RemoteRequestError extends PatternFailure {
  constructor(
    readonly requestName: string,
    readonly correlationId: string,
    readonly remoteMessage: string,
  ) {
    super(
      'RemoteRequestError',
      `Request "${requestName}" ${correlationId} failed in the responder: ${remoteMessage}`,
      { requestName, correlationId, remoteMessage },
    );
  }
}

/** A sequenced channel has been missing a message for longer than its gap timeout. */
export class SequenceGapError extends PatternFailure {
  constructor(
    readonly channel: string,
    readonly expectedSeq: number,
    readonly bufferedSeqs: readonly number[],
    readonly gapTimeoutMs: number,
  ) {
    super(
      'SequenceGapError',
      `Channel "${channel}" is missing message ${expectedSeq} after ${gapTimeoutMs} ms (buffered: ${bufferedSeqs.join(', ')})`,
      { channel, expectedSeq, bufferedSeqs, gapTimeoutMs },
    );
  }
}

/** A payload is over the size limit; send a reference to the data instead. */
export class PayloadTooLargeError extends PatternFailure {
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
    readonly context: string,
  ) {
    super(
      'PayloadTooLargeError',
      `Payload for ${context} is ${sizeBytes} bytes, over the limit of ${maxBytes} bytes. ` +
        'Store the data elsewhere (object store, database) and send a reference to it (see dataRef()).',
      { sizeBytes, maxBytes, context },
    );
  }
}

/** Declared "waits for" edges form a cycle: the workflows on it would wait for each other forever. */
export class CircularWaitError extends PatternFailure {
  constructor(readonly cycle: readonly string[]) {
    super('CircularWaitError', `Circular wait: ${cycle.join(' → ')}`, { cycle });
  }
}
