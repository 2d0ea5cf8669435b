// Workflow-safe entry: everything here may run inside the workflow sandbox.
export { fanoutPingSignal, fanoutPingWorkflow } from './ping-workflow.js';
