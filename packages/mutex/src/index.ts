/**
 * Workflow-safe entry: the mutex workflow to register, the helpers a workflow takes locks with, their
 * options and errors, and the state a query returns. Client code (activities, `MutexClient`) lives in
 * the `./client` entry because it pulls in modules the workflow sandbox cannot load.
 */
export { mutexWorkflow } from './mutex-workflow.js';
export {
  acquireLock,
  DEFAULT_MUTEX_ID_PREFIX,
  mutexWorkflowId,
  releaseLock,
  renewLock,
  withLock,
  type AcquireOptions,
  type LockLease,
  type WithLockOptions,
} from './lock.js';
export { InvalidMutexOptionsError, LockTimeoutError, MutexUnavailableError } from './errors.js';
export {
  mutexLockRequestSignal,
  mutexReleaseSignal,
  mutexRenewSignal,
  mutexStateQuery,
  mutexWithdrawSignal,
  type HolderInfo,
  type MutexState,
  type MutexWorkflowInput,
  type MutexWorkflowResult,
  type Requester,
  type WaiterInfo,
} from './definitions.js';
