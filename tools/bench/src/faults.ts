// npm run test:faults [-- --short]: the mutex's guarantees shown under failure, against real processes.
//   1. a worker killed with SIGKILL and restarted again and again while 50 workflows contend;
//   2. the same with the dev server (on a SQLite file) killed with SIGKILL and restarted mid-contention;
//   3. a terminated holder's lock comes back within its lease plus a small margin;
//   4. malformed payloads sent to each pattern's long-running workflows: none fails, each is logged.
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
  // 3 and 4 share one in-memory server and one worker.
  if (wants(options, 'holder') || wants(options, 'malformed')) {
    const stack = await startTemporalStack({ queuePrefix: 'faults-misc', bundlePath, storeUrl });
    try {
      if (wants(options, 'holder')) await terminatedHolder(suite, stack);
      if (wants(options, 'malformed')) await malformedPayloads(suite, stack);
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
