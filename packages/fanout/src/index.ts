// Workflow-safe entry: what a user writes against; everything here may run inside the workflow sandbox.
// The wire signals and query are in the ./definitions entry.
export { FanoutChildFailedError, InvalidFanoutInputError } from './errors.js';
export type {
  FanoutChildIdentity,
  FanoutCleanup,
  FanoutCleanupReason,
  FanoutRef,
  FanoutStart,
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
