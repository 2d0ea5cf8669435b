// Scenario 2: the dev server, on a SQLite file, is SIGKILLed mid-contention and restarted on the same
// file and port.
import path from 'node:path';
import { progress, sleep, tmpRoot } from '../../common.js';
import { startTemporalStack } from '../../temporal-stack.js';
import { contention } from '../contention.js';
import type { FaultSuite } from '../suite.js';

export async function serverSigkill(suite: FaultSuite): Promise<void> {
  const { params, bundlePath, storeUrl, checks } = suite;
  const { server, client, taskQueue, worker, stop } = await startTemporalStack({
    queuePrefix: 'faults-server',
    bundlePath,
    storeUrl,
    dbFilename: path.join(tmpRoot, 'faults.sqlite'),
  });
  let workerRestarts = 0;
  try {
    if (!server.killable) {
      checks.check(
        'server-sigkill',
        'server killable',
        false,
        'no temporal CLI found; the harness server cannot be SIGKILLed',
      );
      return;
    }
    await contention(suite, {
      client,
      taskQueue,
      scenario: 'server-sigkill',
      minFaults: params.serverKills,
      chaos: async (done, injected) => {
        let kills = 0;
        while (!done()) {
          await sleep(2500 + Math.random() * 2500);
          if (done()) break;
          if (kills < params.serverKills) {
            await server.kill();
            kills++;
            progress(`server-sigkill: server killed (${kills}), restarting on the same SQLite file`);
            await sleep(500 + Math.random() * 1000);
            await server.start();
            injected();
          }
          // The worker may give up while the server is gone: restart it like a supervisor would.
          if (!worker.running) {
            workerRestarts++;
            await worker.start();
          }
        }
        return kills;
      },
    });
    checks.facts['server-sigkill-worker-restarts'] = workerRestarts;
  } finally {
    await stop();
  }
}
