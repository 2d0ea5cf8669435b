// Workflow-safe entry: everything here may run inside the workflow sandbox.
export { signalUtilsPingSignal, signalUtilsPingWorkflow } from './ping-workflow.js';
