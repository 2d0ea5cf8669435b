import type { Scenario } from './scenario.js';
import { circuitBreakerScenario } from './scenarios/circuit-breaker.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { mutexScenario } from './scenarios/mutex.js';
import { pipelineScenario } from './scenarios/pipeline.js';
import { signalUtilsScenario } from './scenarios/signal-utils.js';

export type { Scenario, ScenarioContext } from './scenario.js';

/** Every scenario, in the order the demo runs them. */
export const scenarios: Scenario[] = [
  signalUtilsScenario,
  mutexScenario,
  pipelineScenario,
  fanoutScenario,
  circuitBreakerScenario,
];
