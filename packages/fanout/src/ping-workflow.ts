import { condition, defineSignal, setHandler } from '@temporalio/workflow';

/** Wire name `fanout.ping`: carries the text the ping workflow returns. */
export const fanoutPingSignal = defineSignal<[text: string]>('fanout.ping');

/**
 * Placeholder workflow of the package shell: waits up to `timeoutMs` for a ping signal and returns its
 * text, or `undefined` on timeout. Proves the package builds, bundles and runs on a real server.
 */
export async function fanoutPingWorkflow(timeoutMs: number): Promise<string | undefined> {
  let text: string | undefined;
  setHandler(fanoutPingSignal, (received) => {
    text = received;
  });
  await condition(() => text !== undefined, timeoutMs);
  return text;
}
