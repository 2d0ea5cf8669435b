/**
 * Workflow-safe building blocks for authors of coordination patterns: the main loop every pattern
 * workflow shares, payload parsers, continue-as-new helpers and the design-time wait-graph check. Kept
 * out of the root entry so that entry stays what an application writes against; everything here may be
 * imported by workflow code.
 */
export { IdleClock, WorkflowLoop, type WorkflowLoopOptions } from './workflow-loop.js';
export {
  integerAtLeast,
  isRunId,
  oneOf,
  optionalNumber,
  optionalString,
  parseRecord,
  positiveNumber,
  requiredRunId,
  requiredString,
  type PayloadRecord,
  type StringLimits,
} from './parse.js';
export { drainAndContinueAsNew, shouldContinueAsNew } from './continue-as-new.js';
export { assertNoCircularWaits, type WaitEdge } from './signal-graph.js';
export { CircularWaitError, PatternFailure } from './errors.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, payloadSize } from './payload-guard.js';
export { isExternalWorkflowNotFound } from './signal-workflow.js';
export { toMs as durationToMs } from './duration.js';
