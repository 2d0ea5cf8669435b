import {
  ExternalWorkflowNotFoundError,
  serveRequests,
  setTypedHandler,
  signalWorkflow,
} from '@temporal-patterns/signal-utils';
import { shouldContinueAsNew, WorkflowLoop } from '@temporal-patterns/signal-utils/pattern-kit';
import { condition, log, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import { BreakerMachine, CARRIED_LIMITS, type BreakerSnapshot } from './breaker-machine.js';
import { resolveCircuitBreakerOptions, type CircuitBreakerOptions } from './options.js';
// What the breaker takes (signals, permit requests, the query), then what it sends its subscribers.
import {
  circuitBreakerReportSignal,
  circuitBreakerReportBatchSignal,
  circuitBreakerSubscribeSignal,
  circuitBreakerUnsubscribeSignal,
  circuitBreakerForceSignal,
  circuitBreakerPermitProtocol,
  circuitBreakerInspectQuery,
  circuitBreakerStateQuery,
  circuitBreakerPauseSignal,
  circuitBreakerResumeSignal,
} from './definitions.js';

/** Input of {@link circuitBreakerWorkflow}. */
export interface CircuitBreakerInput {
  /** Name of the protected dependency (e.g. `'payments-api'`); the workflow id derives from it. */
  dependency: string;
  options?: CircuitBreakerOptions;
  /** State carried from the previous run by continue-as-new. Leave it out when starting a breaker. */
  carried?: BreakerSnapshot;
}

/**
 * The breaker (monitor) workflow of one dependency. Counts success and failure reports, moves closed →
 * open → half-open → closed, tells subscribers to pause when it opens and to resume when it closes (in
 * batches, pruning subscribers that have closed), answers permit requests, obeys operators, and
 * continues as new with its whole state. It runs until terminated; bad input is logged and dropped.
 *
 * Register it on a worker by exporting it from your workflows file:
 * `export { circuitBreakerWorkflow } from '@temporal-patterns/circuit-breaker';`
 */
export async function circuitBreakerWorkflow(input: CircuitBreakerInput): Promise<never> {
  const options = resolveCircuitBreakerOptions(input.dependency, input.options);
  const me = workflowInfo().workflowId;
  const loop = new WorkflowLoop();
  const breaker = new BreakerMachine(input.dependency, options, Date.now(), input.carried, () => loop.wake());
  const logMeta = { breaker: me, dependency: input.dependency };
  let lastState = breaker.currentState;
  const logRefusedPermits = () => {
    for (const permitId of breaker.takeRefusedPermits())
      log.warn(
        `Circuit breaker "${input.dependency}" ignored permit ${permitId.slice(0, 100)} of a report: ` +
          'not issued by it or no longer outstanding; counted as an ordinary report',
        { ...logMeta, permitId: permitId.slice(0, 100) },
      );
  };
  const logTransition = () => {
    if (breaker.currentState === lastState) return;
    log.info(`Circuit breaker "${input.dependency}" ${lastState} → ${breaker.currentState}`, logMeta);
    lastState = breaker.currentState;
  };

  setTypedHandler(circuitBreakerReportSignal, (report) => {
    breaker.report(report, Date.now());
    logRefusedPermits();
    logTransition();
  });
  setTypedHandler(circuitBreakerReportBatchSignal, (batch) => {
    breaker.reportBatch(batch, Date.now());
    logRefusedPermits();
    logTransition();
  });
  setTypedHandler(circuitBreakerSubscribeSignal, ({ workflowId }) => {
    const result = breaker.subscribe(workflowId);
    if (result === 'full' || result === 'over-budget') {
      const why =
        result === 'full'
          ? 'maxSubscribers reached'
          : `subscriber ids over ${CARRIED_LIMITS.subscriberBytes / 1024} KiB`;
      log.warn(
        `Circuit breaker "${input.dependency}" refused subscriber ${workflowId.slice(0, 100)}: ${why}`,
        {
          ...logMeta,
          subscriber: workflowId.slice(0, 100),
          maxSubscribers: options.maxSubscribers,
        },
      );
    }
  });
  setTypedHandler(circuitBreakerUnsubscribeSignal, ({ workflowId }) => void breaker.unsubscribe(workflowId));
  setTypedHandler(circuitBreakerForceSignal, (command) => {
    log.info(`Circuit breaker "${input.dependency}" forced ${command.mode}`, { ...logMeta, ...command });
    breaker.force(command, Date.now());
    logTransition();
  });
  const responder = serveRequests(
    circuitBreakerPermitProtocol,
    (request, { sender }) => {
      const answer = breaker.permit(request, sender, Date.now(), () => uuid4());
      logTransition();
      return answer;
    },
    { answered: input.carried?.answeredRequests },
  );
  setHandler(circuitBreakerInspectQuery, () => breaker.inspect(Date.now()));
  setHandler(circuitBreakerStateQuery, (holder) =>
    breaker.stateView(typeof holder === 'string' ? holder : undefined, Date.now()),
  );

  const broadcast = async () => {
    const { ids, kind, noticeEpoch } = breaker.nextBatch(options.broadcastBatchSize);
    const notice = { dependency: input.dependency, sender: me, ...breaker.notice(Date.now()) };
    const signal = kind === 'pause' ? circuitBreakerPauseSignal : circuitBreakerResumeSignal;
    await Promise.all(
      ids.map(async (id) => {
        try {
          await signalWorkflow(id, signal, notice);
          breaker.delivered(id, noticeEpoch);
        } catch (err) {
          if (err instanceof ExternalWorkflowNotFoundError) {
            log.info(`Circuit breaker "${input.dependency}" pruned subscriber ${id}: it has closed`, {
              ...logMeta,
              subscriber: id,
            });
            breaker.prune(id);
          } else {
            // Retrying could spin forever; the subscriber hears the next transition instead.
            log.warn(`Circuit breaker "${input.dependency}" could not notify ${id}: ${String(err)}`, {
              ...logMeta,
              subscriber: id,
            });
            breaker.delivered(id, noticeEpoch);
          }
        }
      }),
    );
  };

  const continueAsNewDue = () => shouldContinueAsNew({ maxHistoryEvents: options.maxHistoryEvents });
  wakeWhen(loop, continueAsNewDue);
  for (;;) {
    breaker.tick(Date.now());
    logTransition();
    if (continueAsNewDue()) {
      await loop.drainAndContinueAsNew<typeof circuitBreakerWorkflow>(() => [
        {
          dependency: input.dependency,
          options: input.options,
          carried: breaker.snapshot(responder.snapshot().filter(isCarriedRequestId)),
        },
      ]);
    }
    if (breaker.pendingCount > 0) {
      await broadcast();
      continue;
    }
    // Marked after this pass's own tick: only what handlers change from here on ends the wait.
    const seen = loop.mark();
    const deadline = breaker.nextDeadline();
    await loop.waitForChange(seen, deadline === undefined ? undefined : deadline - Date.now());
  }
}

/**
 * Whether an answered request id is carried into the next run for deduplication. Our requesters use
 * UUIDs; a forged long (or non-ASCII) id is not carried (at worst its duplicate is answered twice), so the carried state
 * stays bounded.
 */
function isCarriedRequestId(id: string): boolean {
  return /^[\w-]{1,64}$/.test(id);
}

/**
 * Wakes `loop` once `due()` holds. Continue-as-new comes due as the history grows, on any activation and
 * not only in a handler, so a condition watches for it; it wakes the loop while the SDK checks blocked
 * conditions, so the loop's wait ends in that same check, as when `due` was part of its wait condition.
 */
function wakeWhen(loop: WorkflowLoop, due: () => boolean): void {
  const wakeIfDue = (): boolean => {
    if (!due()) return false;
    loop.wake();
    return true;
  };
  // It rejects only when the workflow is cancelled, which the loop's own wait reports.
  condition(wakeIfDue).catch(() => undefined);
}
