// Workflow-safe entry: everything here may run inside the workflow sandbox.
export { circuitBreakerWorkflow, type CircuitBreakerInput } from './breaker-workflow.js';
export type { BreakerSnapshot } from './breaker-machine.js';
export {
  breakerGuard,
  circuitBreaker,
  DependentBreaker,
  type BreakerGuardOptions,
  type BreakerPermit,
  type BreakerRef,
  type GuardedCallOptions,
} from './dependent.js';
export { CircuitOpenError, InvalidCircuitBreakerOptionsError } from './errors.js';
export {
  resolveCircuitBreakerOptions,
  type CircuitBreakerOptions,
  type ResolvedCircuitBreakerOptions,
} from './options.js';
export {
  CIRCUIT_BREAKER_WORKFLOW_TYPE,
  circuitBreakerWorkflowId,
  circuitBreakerForceSignal,
  circuitBreakerInspectQuery,
  circuitBreakerPauseSignal,
  circuitBreakerPermitProtocol,
  circuitBreakerReportSignal,
  circuitBreakerResumeSignal,
  circuitBreakerSubscribeSignal,
  circuitBreakerUnsubscribeSignal,
  type BreakerInspection,
  type BreakerNotice,
  type BreakerState,
  type BreakerTransition,
  type ForceCommand,
  type OutcomeReport,
  type PermitRequest,
  type PermitResponse,
  type SubscriptionRequest,
} from './definitions.js';
