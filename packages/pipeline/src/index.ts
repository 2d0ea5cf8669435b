// Workflow-safe entry: everything here may run inside the workflow sandbox. It holds what an application
// writes against; the wire signals and queries are in the `./definitions` entry.
export {
  PIPELINE_INPUT,
  definePipeline,
  stageWorkflowId,
  type FailurePolicy,
  type PipelineDefinition,
  type StageActivityInput,
  type StageDefinition,
  type TimeoutPolicy,
} from './pipeline-definition.js';
export {
  InvalidPipelineDefinitionError,
  InvalidPipelineItemError,
  PipelineItemFailedError,
  PipelineStalledError,
  UnknownStageError,
  type ItemFailureReason,
} from './errors.js';
export type {
  ItemFailure,
  ItemOutcome,
  PipelineItem,
  PipelineResult,
  RunProgress,
  StageProgress,
} from './definitions.js';
export type { PipelineRunOptions } from './runtime-options.js';
export { PipelineFeeder } from './feeder.js';
export { pipelineStageWorkflow } from './stage-workflow.js';
export { pipelineRunWorkflow, type PipelineRunInput } from './run-workflow.js';
