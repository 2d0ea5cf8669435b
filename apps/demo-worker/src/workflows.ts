// Every workflow the demo worker runs, taken from the packages' public workflow-safe entries.
export { circuitBreakerPingWorkflow } from '@temporal-patterns/circuit-breaker';
export { fanoutPingWorkflow } from '@temporal-patterns/fanout';
export { pipelinePingWorkflow } from '@temporal-patterns/pipeline';
