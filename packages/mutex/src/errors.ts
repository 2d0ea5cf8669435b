import { ApplicationFailure } from '@temporalio/common';

/** No grant arrived within the acquire timeout; the request was withdrawn and will never be granted. */
export class LockTimeoutError extends ApplicationFailure {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly resourceId: string,
    readonly requestId: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Lock on resource "${resourceId}" not acquired within ${timeoutMs} ms (request ${requestId} withdrawn)`,
      'LockTimeoutError',
      true,
      [{ resourceId, requestId, timeoutMs }],
    );
  }
}

/** The mutex workflow could not be reached (not running and not created on demand). */
export class MutexUnavailableError extends ApplicationFailure {
  override readonly name = 'MutexUnavailableError';
  constructor(
    readonly resourceId: string,
    readonly mutexWorkflowId: string,
    cause?: Error,
  ) {
    super(
      `Mutex for resource "${resourceId}" (workflow ${mutexWorkflowId}) is not running`,
      'MutexUnavailableError',
      true,
      [{ resourceId, mutexWorkflowId }],
      cause,
    );
  }
}

/** A mutex option or argument is invalid. */
export class InvalidMutexOptionsError extends ApplicationFailure {
  override readonly name = 'InvalidMutexOptionsError';
  constructor(message: string) {
    super(message, 'InvalidMutexOptionsError', true);
  }
}
