// workflows.ts: the file your worker bundles (Worker.create({ workflowsPath, activities, taskQueue })).
export { pipelineRunWorkflow, pipelineStageWorkflow } from '@temporal-patterns/pipeline';
