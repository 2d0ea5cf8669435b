import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';

const bundles = new Map<string, ReturnType<typeof bundleWorkflowCode>>();

/** Bundles a workflows file once per test process; workers created from it start in milliseconds. */
export function bundleOnce(workflowsPath: string): ReturnType<typeof bundleWorkflowCode> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}
