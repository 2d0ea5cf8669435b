// Scenario 1: the only worker process is SIGKILLed every 1–3 s and restarted while 50 workflows contend.
import { progress, sleep } from '../../common.js';
import { startTemporalStack } from '../../temporal-stack.js';
import { contention } from '../contention.js';
import type { FaultSuite } from '../suite.js';

export async function workerSigkill(suite: FaultSuite): Promise<void> {
  const { params, bundlePath, storeUrl } = suite;
  const { client, taskQueue, worker, stop } = await startTemporalStack({
    queuePrefix: 'faults-worker',
    bundlePath,
    storeUrl,
  });
  try {
    await contention(suite, {
      client,
      taskQueue,
      scenario: 'worker-sigkill',
      minFaults: params.workerKills,
      chaos: async (done, injected) => {
        let kills = 0;
        while (!done()) {
          await sleep(1000 + Math.random() * 2000);
          if (done()) break;
          if (kills < params.workerKills * 2) {
            await worker.kill();
            kills++;
            progress(`worker-sigkill: worker killed (${kills}), restarting`);
            await sleep(200 + Math.random() * 800);
            await worker.start();
            injected();
          }
        }
        return kills;
      },
    });
  } finally {
    await stop();
  }
}
