// Workflow-safe entry: everything here may run inside the workflow sandbox.
export { pipelinePingSignal, pipelinePingWorkflow } from './ping-workflow.js';
