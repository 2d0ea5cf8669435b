// Workflow-safe entry: everything here may run inside the workflow sandbox. It holds what an application
// writes against; the wire definitions (signals, payloads) are in the ./definitions entry.
export { circuitBreakerWorkflow, type CircuitBreakerInput } from './breaker-workflow.js';
export { breakerGuard, circuitBreaker, DependentBreaker } from './dependent.js';
export type {
  BreakerGuardOptions,
  BreakerPermit,
  BreakerRef,
  GuardedCallOptions,
} from './dependent-options.js';
export {
  CIRCUIT_BREAKER_REFUSED,
  CircuitBreakerRefusedError,
  CircuitOpenError,
  InvalidCircuitBreakerOptionsError,
} from './errors.js';
export type { CircuitBreakerOptions } from './options.js';
export {
  CIRCUIT_BREAKER_WORKFLOW_TYPE,
  circuitBreakerWorkflowId,
  type BreakerInspection,
  type BreakerState,
  type BreakerTransition,
  type OutcomeReport,
} from './definitions.js';
