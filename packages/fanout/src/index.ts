// Workflow-safe entry: what a user writes against; everything here may run inside the workflow sandbox.
export { FanoutChildFailedError, InvalidFanoutInputError } from './errors.js';
export {
  fanoutCleanupSignal,
  fanoutReportSignal,
  fanoutStartSignal,
  type FanoutChildIdentity,
  type FanoutCleanup,
  type FanoutCleanupReason,
  type FanoutRef,
  type FanoutStart,
} from './definitions.js';
export { fanoutWorkflow } from './fanout-workflow.js';
export type { FanoutOptions, FanoutPolicy } from './fanout-options.js';
export type { FanoutChildOutcome, FanoutChildStatus, FanoutStatus, FanoutSummary } from './fanout-summary.js';
export {
  reportFanoutDone,
  reportFanoutFailed,
  reportToFanoutParent,
  runFanoutChild,
  type FanoutChildResult,
  type RunFanoutChildOptions,
} from './fanout-child.js';
