// The bench's command line, and the parameters of a quick and of a full run.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { listOf, parseCommandLine, usageError } from '../command-line.js';

/** The parts of the bench, in the order they run. */
export const BENCH_PARTS = [
  'floor',
  'uncontended',
  'compare',
  'history',
  'hops',
  'audit',
  'cycles',
  'fanout',
  'memory',
] as const;
export type BenchPartName = (typeof BENCH_PARTS)[number];

/** The lock systems of the contention table. */
export const CONTENTION_SYSTEMS = [
  'temporal',
  'temporal-sqlite',
  'temporal-default-server',
  'article-mutex',
  'temporal-release-in-activity',
  'temporal-fast',
  'temporal-lock-in-activity',
  'redis',
  'postgres',
] as const;
export type ContentionSystemName = (typeof CONTENTION_SYSTEMS)[number];

const USAGE = `Usage: npm run bench -- [--quick] [--only=PART,...] [--skip=PART,...] [--cycles-budget-s=N]
       npm run bench -- --render=RESULTS.json

Runs the bench on its own dev servers, Redis and PostgreSQL and writes tools/bench/results/bench-<mode>.*
(see tools/bench/README.md).

  --quick               small parameters (a few minutes) instead of the full run (tens of minutes)
  --only=PART,...       run only these parts: ${BENCH_PARTS.join(', ')}
  --skip=PART,...       leave these parts out
  --cycles-budget-s=N   stop the many-cycles part after N seconds (default 120 quick, 2700 full)
  --contenders=N,...    contender counts of the contention table (default 1,4 quick; 1,4,16,64 full)
  --holds=MS,...        hold times of the contention table (default 0,10 quick; 0,10,100 full)
  --systems=NAME,...    only these systems in the contention table: \${CONTENTION_SYSTEMS.join(', ')}
  --render=FILE         redraw the table and chart of a results file, run nothing
  --help                this text`;

/** How much each part measures. */
export interface BenchParameters {
  /** Update round trips and signal relays of the floor. */
  floorRounds: number;
  /** Uncontended acquire + release cycles of the signal-based mutex. */
  uncontended: number;
  /** Uncontended cycles of Redis and PostgreSQL (cheap, so more of them). */
  uncontendedOthers: number;
  /** Contender counts on one resource. */
  contenders: number[];
  /** Critical-section hold times in ms. */
  holds: number[];
  /** Measurement window per system and contention setting, in ms. */
  windowMs: Record<ContentionSystemName, number>;
  /** Requester counts of the per-hop handoff breakdown, and lock cycles each requester runs there. */
  hopContenders: number[];
  hopCycles: number;
  /** Items, children and reports of the events-per-unit audit of the other patterns. */
  auditUnits: number;
  /** Independent resource counts (4 contenders each). */
  resources: number[];
  /** The many-cycles run: requesters, cycles each, cycles per requester run, the mutex's history limit. */
  cycles10k: { cyclers: number; perCycler: number; perRun: number; mutexMaxEvents: number | undefined };
  /** Workflows blocked on one lock in the memory part. */
  blocked: number;
  /** Children of the fan-out part. */
  fanout: number;
  /** Base retry interval of a Redis waiter, in ms. */
  redisRetryMs: number;
}

const QUICK: BenchParameters = {
  floorRounds: 10,
  uncontended: 10,
  uncontendedOthers: 200,
  contenders: [1, 4],
  holds: [0, 10],
  windowMs: {
    temporal: 4000,
    'temporal-sqlite': 4000,
    'temporal-default-server': 4000,
    'article-mutex': 4000,
    'temporal-release-in-activity': 4000,
    'temporal-fast': 4000,
    'temporal-lock-in-activity': 4000,
    redis: 1500,
    postgres: 1500,
  },
  resources: [1, 4],
  hopContenders: [4, 16],
  hopCycles: 10,
  auditUnits: 50,
  cycles10k: { cyclers: 2, perCycler: 100, perRun: 40, mutexMaxEvents: 300 },
  blocked: 200,
  fanout: 50,
  redisRetryMs: 5,
};

const FULL: BenchParameters = {
  floorRounds: 50,
  uncontended: 100,
  uncontendedOthers: 2000,
  contenders: [1, 4, 16, 64],
  holds: [0, 10, 100],
  windowMs: {
    temporal: 15_000,
    'temporal-sqlite': 10_000,
    'temporal-default-server': 10_000,
    'article-mutex': 15_000,
    'temporal-release-in-activity': 15_000,
    'temporal-fast': 15_000,
    'temporal-lock-in-activity': 15_000,
    redis: 4000,
    postgres: 4000,
  },
  resources: [1, 4, 16],
  hopContenders: [4, 16],
  hopCycles: 30,
  auditUnits: 500,
  cycles10k: { cyclers: 10, perCycler: 1000, perRun: 100, mutexMaxEvents: undefined },
  blocked: 5000,
  fanout: 1000,
  redisRetryMs: 5,
};

export interface BenchOptions {
  mode: 'quick' | 'full';
  /** Parts named by `--only`; every part when unset. */
  only?: BenchPartName[];
  /** Parts named by `--skip`. */
  skip: BenchPartName[];
  /** Systems named by `--systems`; every system when unset. */
  systems?: ContentionSystemName[];
  /** Time budget of the many-cycles part, in seconds. */
  cyclesBudgetS: number;
  /** A results file to redraw instead of running anything. */
  render?: string;
  params: BenchParameters;
}

/** Parses the bench's command line; exits 0 after `--help`, 2 on a bad command line. */
export function parseBenchOptions(argv: string[] = process.argv.slice(2)): BenchOptions {
  const args = parseCommandLine(
    USAGE,
    (a) =>
      parseArgs({
        args: a,
        strict: true,
        options: {
          quick: { type: 'boolean' },
          only: { type: 'string' },
          skip: { type: 'string' },
          'cycles-budget-s': { type: 'string' },
          contenders: { type: 'string' },
          holds: { type: 'string' },
          systems: { type: 'string' },
          render: { type: 'string' },
          help: { type: 'boolean' },
        },
      }),
    argv,
  );
  const quick = args.quick ?? false;
  const only = listOf(USAGE, '--only', args.only, BENCH_PARTS);
  const skip = listOf(USAGE, '--skip', args.skip, BENCH_PARTS) ?? [];
  const systems = listOf(USAGE, '--systems', args.systems, CONTENTION_SYSTEMS);
  const cyclesBudgetS =
    args['cycles-budget-s'] === undefined ? (quick ? 120 : 2700) : Number(args['cycles-budget-s']);
  if (!(cyclesBudgetS > 0))
    usageError(USAGE, `--cycles-budget-s=${args['cycles-budget-s']}: expected a number of seconds above 0`);
  if (args.render !== undefined && !existsSync(args.render))
    usageError(USAGE, `--render=${args.render}: no such file`);
  const numbers = (flag: string, value: string | undefined, min: number): number[] | undefined => {
    if (value === undefined) return undefined;
    const items = value.split(',').map(Number);
    if (!items.length || !items.every((n) => Number.isInteger(n) && n >= min))
      usageError(USAGE, `${flag}=${value}: expected whole numbers of at least ${min}, comma-separated`);
    return items;
  };
  const base = quick ? QUICK : FULL;
  const contenders = numbers('--contenders', args.contenders, 1) ?? base.contenders;
  const holds = numbers('--holds', args.holds, 0) ?? base.holds;
  return {
    mode: quick ? 'quick' : 'full',
    only,
    skip,
    systems,
    cyclesBudgetS,
    render: args.render,
    params: { ...base, contenders, holds },
  };
}

/** Whether `part` runs: named by `--only` (or no `--only`) and not by `--skip`. */
export function wants(options: BenchOptions, part: BenchPartName): boolean {
  return (!options.only || options.only.includes(part)) && !options.skip.includes(part);
}
