// Workflow-safe entry: everything here may run inside the workflow sandbox.
export {
  DEFAULT_WINDOW,
  PIPELINE_INPUT,
  PIPELINE_OUTPUT,
  definePipeline,
  getStage,
  sinkStages,
  sourceStages,
  stageWorkflowId,
  upstreamOf,
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
export {
  pipelineCreditSignal,
  pipelineFeedSignal,
  pipelineItemsSignal,
  pipelineRunProgressQuery,
  pipelineStageFailedSignal,
  pipelineStageProgressQuery,
  type CreditMessage,
  type EdgeEntry,
  type FeedBatch,
  type ItemEnvelope,
  type ItemFailure,
  type ItemOutcome,
  type ItemsMessage,
  type PipelineItem,
  type PipelineResult,
  type RunProgress,
  type StageFailedMessage,
  type StageProgress,
} from './definitions.js';
export type { PipelineRunOptions } from './runtime-options.js';
export { PipelineFeeder } from './feeder.js';
export { pipelineStageWorkflow, type StageState, type StageWorkflowInput } from './stage-workflow.js';
export { pipelineRunWorkflow, type PipelineRunInput, type RunState } from './run-workflow.js';
