import type { TestProject } from 'vitest/node';
import { serverDynamicConfig, startDevServer, type RunningServer } from './dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

/**
 * Dynamic config for the shared test server. Low limits let tests reach continue-as-new with a few
 * hundred events instead of thousands.
 */
export const TEST_SERVER_DYNAMIC_CONFIG = {
  'limit.historyCount.suggestContinueAsNew': 200,
  'frontend.enableUpdateWorkflowExecution': true,
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
  'frontend.enableExecuteMultiOperation': true,
} as const;

interface SharedServer {
  server: Promise<RunningServer>;
  users: number;
}

// Vitest calls global setup once per project, all in the main process: share one server between them.
const registry = globalThis as typeof globalThis & { __temporalPatternsServer?: SharedServer };

/** Vitest global setup: one dev server for the whole run, its address provided to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!registry.__temporalPatternsServer) {
    const startedAt = Date.now();
    const server = startDevServer({ dynamicConfig: TEST_SERVER_DYNAMIC_CONFIG }).then((s) => {
      const origin =
        s.source.kind === 'cli'
          ? `${s.source.path} (${s.source.origin}, ${s.source.version})`
          : s.source.kind;
      process.stderr.write(
        `[temporal-harness] Temporal server for this test run at ${s.address} from ${origin}, ready in ${Date.now() - startedAt} ms` +
          (s.source.kind === 'existing'
            ? '\n'
            : `, dynamic config ${JSON.stringify(serverDynamicConfig({ dynamicConfig: TEST_SERVER_DYNAMIC_CONFIG }))}\n`),
      );
      return s;
    });
    registry.__temporalPatternsServer = { server, users: 0 };
  }
  const shared = registry.__temporalPatternsServer;
  shared.users += 1;
  const server = await shared.server;
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
  return async () => {
    shared.users -= 1;
    if (shared.users === 0) {
      registry.__temporalPatternsServer = undefined;
      await server.stop();
    }
  };
}
