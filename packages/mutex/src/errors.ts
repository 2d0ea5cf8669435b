import { PatternFailure } from '@temporal-patterns/signal-utils/pattern-kit';

/** No grant arrived within the acquire timeout; the request was withdrawn and will never be granted. */
export class LockTimeoutError extends PatternFailure {
  constructor(
    readonly resourceId: string,
    readonly requestId: string,
    readonly timeoutMs: number,
  ) {
    super(
      'LockTimeoutError',
      `Lock on resource "${resourceId}" not acquired within ${timeoutMs} ms (request ${requestId} withdrawn)`,
      { resourceId, requestId, timeoutMs },
    );
  }
}

/**
 * The mutex refused the request because `maxQueueLength` requests already wait: it was never queued.
 * Try again later, or spread the load over more resources.
 */
export class LockQueueFullError extends PatternFailure {
  constructor(
    readonly resourceId: string,
    readonly requestId: string,
    readonly maxQueueLength: number,
  ) {
    super(
      'LockQueueFullError',
      `Lock on resource "${resourceId}" refused: ${maxQueueLength} requests already wait (request ${requestId} not queued)`,
      { resourceId, requestId, maxQueueLength },
    );
  }
}

/** The mutex workflow could not be reached (not running and not created on demand). */
export class MutexUnavailableError extends PatternFailure {
  constructor(
    readonly resourceId: string,
    readonly mutexWorkflowId: string,
    cause?: Error,
  ) {
    super(
      'MutexUnavailableError',
      `Mutex for resource "${resourceId}" (workflow ${mutexWorkflowId}) is not running`,
      { resourceId, mutexWorkflowId },
      cause,
    );
  }
}

/** A mutex option or argument is invalid. */
export class InvalidMutexOptionsError extends PatternFailure {
  constructor(message: string) {
    super('InvalidMutexOptionsError', message);
  }
}
