/**
 * Workflow-safe entry: the mutex workflow to register, the helpers a workflow takes locks with, their
 * options and errors, and the state `MutexClient.inspect` returns. Client code (activities,
 * `MutexClient`) lives in the `./client` entry because it pulls in modules the workflow sandbox cannot
 * load; the wire signals, updates and query are in the `./definitions` entry.
 */
export { mutexWorkflow, type MutexWorkflowInput, type MutexWorkflowResult } from './mutex-workflow.js';
export {
  acquireLock,
  DEFAULT_MUTEX_ID_PREFIX,
  mutexWorkflowId,
  releaseLock,
  renewLock,
  withLock,
  type AcquireOptions,
  type LockLease,
  type ReleasedInActivity,
  type WithLockOptions,
} from './lock.js';
export {
  InvalidMutexOptionsError,
  LockQueueFullError,
  LockTimeoutError,
  MutexUnavailableError,
} from './errors.js';
export type { HolderInfo, MutexState, Requester, WaiterInfo } from './definitions.js';
