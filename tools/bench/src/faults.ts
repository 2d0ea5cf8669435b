// npm run test:faults [-- --short]: the mutex's guarantees shown under failure, against real processes.
//   1. a worker killed with SIGKILL and restarted again and again while 50 workflows contend;
//   2. the same with the dev server (on a SQLite file) killed with SIGKILL and restarted mid-contention;
//   3. a terminated holder's lock comes back within its lease plus a small margin;
//   4. malformed payloads sent to each pattern's long-running workflows: none fails, each is logged;
//   5. well-formed but hostile input (100 KiB ids and strings, forged stream ends, sequence numbers,
//      tokens and permits, unknown ids) to a mutex, pipeline runs, a fan-out and a circuit breaker: each
//      refused, the workflow keeps running, and valid work sent after it is served;
//   6. (full suite) 100 MutexClient.acquire calls waiting while the holder releases and an operator
//      force-releases: both answer within a second.
// Ends with one line "N passed, N failed" and exits non-zero on failure.
// This file wires the command line to the scenarios (src/faults/scenarios/*) and the report.
import { bundleWorkflows, machine, progress, tmpRoot } from './common.js';
import { explainFailure } from './command-line.js';
import { ProtectedStore } from './store.js';
import { startTemporalStack } from './temporal-stack.js';
import { CheckList } from './faults/checks.js';
import { parseFaultOptions, wants } from './faults/options.js';
import { writeFaultReport } from './faults/report.js';
import type { FaultSuite } from './faults/suite.js';
import { malformedPayloads } from './faults/scenarios/malformed-payloads.js';
import { serverSigkill } from './faults/scenarios/server-sigkill.js';
import { terminatedHolder } from './faults/scenarios/terminated-holder.js';
import { workerSigkill } from './faults/scenarios/worker-sigkill.js';
import { hostileBreaker } from './faults/scenarios/hostile-breaker.js';
import { hostileFanout } from './faults/scenarios/hostile-fanout.js';
import { hostileMutex } from './faults/scenarios/hostile-mutex.js';
import { hostilePipeline } from './faults/scenarios/hostile-pipeline.js';
import { clientWaiterStorm } from './faults/scenarios/client-waiter-storm.js';

const options = parseFaultOptions();
const { mode, params } = options;
const checks = new CheckList();

async function main(): Promise<void> {
  const started = Date.now();
  progress(`fault suite (${mode}); temp dir ${tmpRoot}`);
  const store = new ProtectedStore();
  const storeUrl = await store.listen();
  const bundlePath = await bundleWorkflows();
  progress('workflow bundle built');
  const suite: FaultSuite = { params, store, storeUrl, bundlePath, checks };

  if (wants(options, 'worker')) await workerSigkill(suite);
  if (wants(options, 'server')) await serverSigkill(suite);
  // 3 to 6 share one in-memory server and one worker.
  const misc = [
    ['holder', terminatedHolder],
    ['malformed', malformedPayloads],
    ['hostile-mutex', hostileMutex],
    ['hostile-pipeline', hostilePipeline],
    ['hostile-fanout', hostileFanout],
    ['hostile-breaker', hostileBreaker],
    ...(params.clientWaiters > 0 ? ([['client-storm', clientWaiterStorm]] as const) : []),
  ] as const;
  const chosen = misc.filter(([name]) => wants(options, name));
  if (chosen.length > 0) {
    const stack = await startTemporalStack({ queuePrefix: 'faults-misc', bundlePath, storeUrl });
    try {
      for (const [, scenario] of chosen) await scenario(suite, stack);
    } finally {
      await stack.stop();
    }
  }

  await store.close();
  const { passed, failed } = checks;
  writeFaultReport({
    suite: 'faults',
    mode,
    parameters: params,
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    checks: checks.checks,
    facts: checks.facts,
    passed,
    failed,
  });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(explainFailure(err));
  console.log(`${checks.passed} passed, ${checks.failed + 1} failed`);
  process.exit(1);
});
