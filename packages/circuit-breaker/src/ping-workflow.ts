import { condition, defineSignal, setHandler } from '@temporalio/workflow';

/** Wire name `circuit-breaker.ping`: carries the text the ping workflow returns. */
export const circuitBreakerPingSignal = defineSignal<[text: string]>('circuit-breaker.ping');

/**
 * Placeholder workflow of the package shell: waits up to `timeoutMs` for a ping signal and returns its
 * text, or `undefined` on timeout. Proves the package builds, bundles and runs on a real server.
 */
export async function circuitBreakerPingWorkflow(timeoutMs: number): Promise<string | undefined> {
  let text: string | undefined;
  setHandler(circuitBreakerPingSignal, (received) => {
    text = received;
  });
  await condition(() => text !== undefined, timeoutMs);
  return text;
}
