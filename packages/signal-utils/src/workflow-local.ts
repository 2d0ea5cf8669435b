const STORE_KEY = '__temporalPatternsWorkflowLocal';

/**
 * State private to the current workflow execution, created by `init` on first use.
 *
 * Why not a module-level variable: with the SDK's reusable V8 context (the default), modules evaluated
 * before a workflow starts are shared by every workflow on the worker, so module state leaks between
 * executions. `globalThis` is swapped per execution, so state kept there stays private.
 */
export function workflowLocal<T>(key: string, init: () => T): T {
  const global = globalThis as typeof globalThis & { [STORE_KEY]?: Map<string, unknown> };
  let store = global[STORE_KEY];
  if (!store) {
    store = new Map();
    global[STORE_KEY] = store;
  }
  if (!store.has(key)) store.set(key, init());
  return store.get(key) as T;
}
