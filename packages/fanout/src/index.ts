// Workflow-safe entry: everything here may run inside the workflow sandbox.
export { FanoutChildFailedError, InvalidFanoutInputError, UnknownFanoutChildError } from './errors.js';
export {
  fanoutCleanupSignal,
  fanoutProgressQuery,
  fanoutReportSignal,
  fanoutStartSignal,
  type FanoutChildIdentity,
  type FanoutCleanup,
  type FanoutCleanupReason,
  type FanoutProgress,
  type FanoutRef,
  type FanoutReport,
  type FanoutReportStatus,
  type FanoutStart,
} from './definitions.js';
export { fanoutWorkflow, type FanoutWorkflowInput } from './fanout-workflow.js';
export type { FanoutCarriedState } from './fanout-state.js';
export {
  MAX_FANOUT_INPUT_BYTES,
  validateFanoutOptions,
  type FanoutConfig,
  type FanoutOptions,
  type FanoutPolicy,
} from './fanout-options.js';
export type { FanoutChildOutcome, FanoutChildStatus, FanoutStatus, FanoutSummary } from './fanout-summary.js';
export {
  reportFanoutDone,
  reportFanoutFailed,
  reportToFanoutParent,
  runFanoutChild,
  type FanoutChildResult,
  type RunFanoutChildOptions,
} from './fanout-child.js';
