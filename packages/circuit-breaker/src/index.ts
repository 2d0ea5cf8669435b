// Workflow-safe entry: everything here may run inside the workflow sandbox.
export { circuitBreakerPingSignal, circuitBreakerPingWorkflow } from './ping-workflow.js';
