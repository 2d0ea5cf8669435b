// npm run bench [-- --quick]: the signal-based mutex measured side by side with Redis and PostgreSQL locks,
// plus the floor, history cost, a 10,000-cycle run, blocked-workflow memory and fan-out wall time.
// Every timestamp comes from this process's clock (the protected store or the client calls), never from
// workflow code. Results go to tools/bench/results/bench-<mode>.{json,md,svg}.
// This file wires the command line to the parts (src/bench/parts/*) and the report (src/bench/report.ts).
import path from 'node:path';
import { bundleWorkflows, machine, progress, tmpRoot } from './common.js';
import { explainFailure } from './command-line.js';
import { articleSystem, postgresSystem, redisSystem, temporalSystem, type LockSystem } from './lock-loops.js';
import { startPostgres, startRedis, type Service } from './services.js';
import { ProtectedStore, StoreClient } from './store.js';
import { startTemporalStack, type TemporalStack } from './temporal-stack.js';
import { temporalVersion } from './processes.js';
import { parseBenchOptions, wants } from './bench/options.js';
import type { BenchContext, BenchPart } from './bench/part.js';
import { benchNotes, renderReport, writeReport } from './bench/report.js';
import { comparePart } from './bench/parts/compare.js';
import { cyclesPart } from './bench/parts/cycles.js';
import { fanoutPart } from './bench/parts/fanout.js';
import { floorPart } from './bench/parts/floor.js';
import { historyPart } from './bench/parts/history.js';
import { hopsPart } from './bench/parts/hops.js';
import { auditPart } from './bench/parts/audit.js';
import { memoryPart } from './bench/parts/memory.js';
import { uncontendedPart } from './bench/parts/uncontended.js';

/** In the order they run. */
const PARTS: BenchPart[] = [
  floorPart,
  uncontendedPart,
  comparePart,
  historyPart,
  hopsPart,
  auditPart,
  cyclesPart,
  fanoutPart,
  memoryPart,
];

const options = parseBenchOptions();
const { mode, only, params } = options;

async function main(): Promise<void> {
  if (options.render) {
    renderReport(options.render);
    return;
  }
  const startedAt = new Date().toISOString();
  progress(`bench (${mode})${only ? ` parts ${only.join(',')}` : ''}`);
  const machineAtStart = machine();
  const store = new ProtectedStore();
  const storeUrl = await store.listen();
  const storeClient = new StoreClient(storeUrl);
  const bundlePath = await bundleWorkflows();
  const memory = await startTemporalStack({ queuePrefix: 'bench', bundlePath, storeUrl, label: 'in memory' });
  const results: Record<string, unknown> = {};
  const services: Service[] = [];
  const systems: LockSystem[] = [temporalSystem(memory.client, memory.taskQueue)];
  let sqlite: TemporalStack | undefined;
  let defaults: TemporalStack | undefined;
  results.temporalVersion = temporalVersion();
  const servers: Record<string, { dynamicConfig: Record<string, unknown> }> = {
    'in memory (tuned)': { dynamicConfig: memory.server.dynamicConfig },
  };
  results.servers = servers;
  try {
    if (wants(options, 'floor') || wants(options, 'compare')) {
      // The same worker and mutex on a server with its default config: the server's share of the figures.
      defaults = await startTemporalStack({
        queuePrefix: 'bench-default',
        bundlePath,
        storeUrl,
        tuned: false,
        label: 'in memory, server defaults',
      });
      servers['in memory (server defaults)'] = { dynamicConfig: defaults.server.dynamicConfig };
      if (wants(options, 'compare')) {
        systems.push(articleSystem(memory.client, memory.taskQueue));
        systems.push(
          temporalSystem(memory.client, memory.taskQueue, 'temporal-release-in-activity', {
            releaseInActivity: true,
          }),
        );
        systems.push(
          temporalSystem(memory.client, memory.taskQueue, 'temporal-fast', {
            releaseInActivity: true,
            grantsByLocalActivity: true,
          }),
        );
        systems.push(
          temporalSystem(memory.client, memory.taskQueue, 'temporal-lock-in-activity', {
            lockInActivity: true,
          }),
        );
      }
      if (wants(options, 'compare'))
        systems.push(temporalSystem(defaults.client, defaults.taskQueue, 'temporal-default-server'));
    }
    if (wants(options, 'compare') || wants(options, 'uncontended')) {
      // The same mutex on a dev server persisting to a SQLite file (every write hits the disk).
      sqlite = await startTemporalStack({
        queuePrefix: 'bench-sqlite',
        bundlePath,
        storeUrl,
        dbFilename: path.join(tmpRoot, 'bench.sqlite'),
        label: 'SQLite file',
      });
      systems.push(temporalSystem(sqlite.client, sqlite.taskQueue, 'temporal-sqlite'));
      const redis = await startRedis();
      services.push(redis);
      progress(`redis on ${redis.url} (${redis.version})`);
      systems.push(await redisSystem(redis.url, storeClient, params.redisRetryMs));
      const postgres = await startPostgres();
      services.push(postgres);
      progress(`postgres on ${postgres.url} (${postgres.version})`);
      systems.push(await postgresSystem(postgres.url, storeClient));
      results.versions = { redis: redis.version, postgres: postgres.version };
    }
    const named = new Set<string>(options.systems);
    const ctx: BenchContext = {
      params,
      cyclesBudgetS: options.cyclesBudgetS,
      client: memory.client,
      taskQueue: memory.taskQueue,
      server: memory.server,
      bundlePath,
      store,
      storeUrl,
      // `--systems` narrows the contention table; every system is still closed below.
      systems: options.systems ? systems.filter((x) => named.has(x.name)) : systems,
    };
    for (const part of PARTS) if (wants(options, part.name)) Object.assign(results, await part.run(ctx));
    if (defaults && wants(options, 'floor')) {
      const { floor } = await floorPart.run({
        ...ctx,
        client: defaults.client,
        taskQueue: defaults.taskQueue,
      });
      results.floorDefaultServer = floor;
    }
  } finally {
    for (const s of systems) await s.close();
    await memory.stop();
    await sqlite?.stop();
    await defaults?.stop();
    for (const s of services) await s.stop();
    storeClient.close();
    await store.close();
  }
  const report = {
    suite: 'bench',
    mode,
    startedAt,
    finishedAt: new Date().toISOString(),
    machineAtStart,
    machineAtEnd: machine(),
    notes: benchNotes(params),
    results,
  };
  writeReport(report, `bench-${mode}${only ? `-${only.join('-')}` : ''}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(explainFailure(err));
    process.exit(1);
  },
);
