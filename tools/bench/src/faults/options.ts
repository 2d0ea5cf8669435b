// The fault suite's command line, and the parameters of a short (CI) and of a full run.
import { parseArgs } from 'node:util';
import { listOf, parseCommandLine } from '../command-line.js';
import type { StartMutexOptions } from '../start-mutex.js';

/** The scenarios of the suite, in the order they run. */
export const FAULT_SCENARIOS = [
  'worker',
  'server',
  'holder',
  'malformed',
  'hostile-mutex',
  'hostile-pipeline',
  'hostile-fanout',
  'hostile-breaker',
  'client-storm',
] as const;
export type FaultScenarioName = (typeof FAULT_SCENARIOS)[number];

const USAGE = `Usage: npm run test:faults -- [--short] [--only=PART,...]

Runs the fault suite on its own dev servers and worker processes, which it kills and restarts, and
writes tools/bench/results/faults-<mode>.{json,md}. Exits 0 only when every check passed.

  --short           the CI version (a few minutes) instead of the full suite
  --only=PART,...   run only these scenarios: ${FAULT_SCENARIOS.join(', ')}
  --help            this text`;

/** How hard each scenario pushes; written to the results as `parameters`. */
export interface FaultParameters {
  /** Workflows contending for one lock while the worker or the server is killed. */
  contenders: number;
  /** Lock cycles per contender. */
  cycles: number;
  /** Worker SIGKILLs wanted at least. */
  workerKills: number;
  /** Server SIGKILLs (and restarts on the same SQLite file). */
  serverKills: number;
  /** Malformed signals sent to each pattern's workflow. */
  malformed: number;
  /** How long a contention scenario may take, in ms. */
  deadlineMs: number;
  /** `MutexClient.acquire` calls waiting on one held lock in the client-waiter storm; 0 leaves it out. */
  clientWaiters: number;
}

const SHORT: FaultParameters = {
  contenders: 50,
  cycles: 1,
  workerKills: 4,
  serverKills: 2,
  malformed: 250,
  deadlineMs: 150_000,
  clientWaiters: 0,
};
const FULL: FaultParameters = {
  contenders: 50,
  cycles: 3,
  workerKills: 12,
  serverKills: 4,
  malformed: 1000,
  deadlineMs: 480_000,
  clientWaiters: 100,
};

/** Mutexes the suite starts itself: their workflow tasks time out in 2 s (not 10) after a killed worker. */
export const FAULT_MUTEX: StartMutexOptions = { workflowTaskTimeout: '2s' };

export interface FaultOptions {
  mode: 'short' | 'full';
  /** Scenarios named by `--only`; every scenario when unset. */
  only?: FaultScenarioName[];
  params: FaultParameters;
}

/** Parses the fault suite's command line; exits 0 after `--help`, 2 on a bad command line. */
export function parseFaultOptions(argv: string[] = process.argv.slice(2)): FaultOptions {
  const args = parseCommandLine(
    USAGE,
    (a) =>
      parseArgs({
        args: a,
        strict: true,
        options: { short: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean' } },
      }),
    argv,
  );
  const short = args.short ?? false;
  return {
    mode: short ? 'short' : 'full',
    only: listOf(USAGE, '--only', args.only, FAULT_SCENARIOS),
    params: short ? SHORT : FULL,
  };
}

/** Whether `scenario` runs: named by `--only`, or no `--only`. */
export function wants(options: FaultOptions, scenario: FaultScenarioName): boolean {
  return !options.only || options.only.includes(scenario);
}
