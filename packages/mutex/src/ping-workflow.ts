import { condition, defineSignal, setHandler } from '@temporalio/workflow';

/** Wire name `mutex.ping`: carries the text the ping workflow returns. */
export const mutexPingSignal = defineSignal<[text: string]>('mutex.ping');

/**
 * Placeholder workflow of the package shell: waits up to `timeoutMs` for a ping signal and returns its
 * text, or `undefined` on timeout. Proves the package builds, bundles and runs on a real server.
 */
export async function mutexPingWorkflow(timeoutMs: number): Promise<string | undefined> {
  let text: string | undefined;
  setHandler(mutexPingSignal, (received) => {
    text = received;
  });
  await condition(() => text !== undefined, timeoutMs);
  return text;
}
