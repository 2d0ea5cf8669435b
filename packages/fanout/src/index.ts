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
export {
  MAX_FANOUT_INPUT_BYTES,
  fanoutWorkflow,
  validateFanoutOptions,
  type FanoutCarriedState,
  type FanoutChildOutcome,
  type FanoutChildStatus,
  type FanoutConfig,
  type FanoutOptions,
  type FanoutPolicy,
  type FanoutStatus,
  type FanoutSummary,
  type FanoutWorkflowInput,
} from './fanout-workflow.js';
export {
  reportFanoutDone,
  reportFanoutFailed,
  reportToFanoutParent,
  runFanoutChild,
  type FanoutChildResult,
  type RunFanoutChildOptions,
} from './fanout-child.js';
