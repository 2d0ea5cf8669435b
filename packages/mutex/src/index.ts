// Workflow-safe entry: everything here may run inside the workflow sandbox.
export { mutexPingSignal, mutexPingWorkflow } from './ping-workflow.js';
