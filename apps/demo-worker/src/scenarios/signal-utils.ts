import { sendSignal } from '@temporal-patterns/signal-utils/client';
import { check, workflowsMatching, type Scenario } from '../scenario.js';
import {
  approvalSignal,
  approvalWithTimeout,
  quoteCustomer,
  quoteServer,
  shutdownSignal,
} from '../workflows.js';

/** Request/response between two workflows, and a wait that times out with a typed error. */
export const signalUtilsScenario: Scenario = {
  name: 'signal-utils',
  description: '20 concurrent request/response pairs between workflows; a signal wait that times out',
  workflowQuery: (runId) => workflowsMatching(`demo-signal-utils-${runId}-`),
  async run({ client, taskQueue, log, runId }) {
    const server = await client.workflow.start(quoteServer, {
      taskQueue,
      workflowId: `demo-signal-utils-${runId}-quote-server`,
    });
    const skus = Array.from({ length: 20 }, (_, i) => `sku-${i + 1}`);
    const quotes = await client.workflow.execute(quoteCustomer, {
      taskQueue,
      workflowId: `demo-signal-utils-${runId}-quote-customer`,
      args: [server.workflowId, skus],
    });
    check(quotes.length === 20, `expected 20 quotes, got ${quotes.length}`);
    check(
      quotes.every((q, i) => q.sku === skus[i] && q.cents === (i + 1) * 100),
      'a response was matched to the wrong request',
    );
    log(`20 quotes matched to their requests by correlation id`);
    await server.signal(shutdownSignal);

    const approval = await client.workflow.start(approvalWithTimeout, {
      taskQueue,
      workflowId: `demo-signal-utils-${runId}-approval-timeout`,
      args: [1_000],
    });
    const timedOut = await approval.result();
    check(timedOut === 'SignalTimeoutError', `expected a SignalTimeoutError, got ${timedOut}`);
    log('an approval nobody sent timed out after 1 s with SignalTimeoutError');

    const approved = await client.workflow.start(approvalWithTimeout, {
      taskQueue,
      workflowId: `demo-signal-utils-${runId}-approval-ok`,
      args: [30_000],
    });
    await sendSignal(client, approved.workflowId, approvalSignal, { approver: 'demo', sender: 'demo' });
    const result = await approved.result();
    check(result === 'approved by demo', `expected approval, got ${result}`);
    return 'request/response matched 20/20; timeout typed; approval delivered';
  },
};
