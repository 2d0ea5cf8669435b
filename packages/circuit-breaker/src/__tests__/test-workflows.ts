// Fixture workflows for this package's tests (not part of the published entries).
import { ApplicationFailure, type Duration } from '@temporalio/common';
import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import { circuitBreaker, type BreakerGuardOptions, type CircuitBreakerOptions } from '../index.js';

export { circuitBreakerWorkflow } from '../index.js';

export interface CallInput {
  caller: string;
  job: number;
  probe: boolean;
}

interface TestActivities {
  callDependency(input: CallInput): Promise<string>;
}

function dependencyActivities(callTimeout: Duration = '10s'): TestActivities {
  return proxyActivities<TestActivities>({ startToCloseTimeout: callTimeout, retry: { maximumAttempts: 1 } });
}

export interface DependentInput {
  dependency: string;
  caller: string;
  jobs: number;
  subscribe: boolean;
  options?: CircuitBreakerOptions;
  guard?: BreakerGuardOptions;
  /** Report outcomes from the workflow with `call()` instead of relying on the reporting activity. */
  reportFromWorkflow?: boolean;
  unsubscribeAtEnd?: boolean;
  /** Hold the workflow open after the jobs until this many ms passed (to stay a live subscriber). */
  lingerMs?: number;
  /** startToCloseTimeout of each call; longer for calls a test holds in flight. Defaults to 10 seconds. */
  callTimeout?: Duration;
}

export interface DependentStatus {
  done: number;
  waiting: boolean;
  paused: boolean;
  subscribed: boolean;
  notices: { pauses: number; resumes: number };
}

export interface DependentResult {
  done: number;
  probes: number;
  failedCalls: number;
  notices: { pauses: number; resumes: number };
  error?: { name: string; message: string };
}

export const dependentStatusQuery = defineQuery<DependentStatus>('test.dependent-status');

/** Does `jobs` calls to the dependency, each guarded by the breaker; a failed job is retried. */
export async function dependentWorkflow(input: DependentInput): Promise<DependentResult> {
  const breaker = circuitBreaker({ dependency: input.dependency, options: input.options });
  const { callDependency } = dependencyActivities(input.callTimeout);
  let done = 0;
  let probes = 0;
  let failedCalls = 0;
  let waiting = false;
  setHandler(dependentStatusQuery, () => ({
    done,
    waiting,
    paused: breaker.paused,
    subscribed: breaker.subscribed,
    notices: breaker.notices,
  }));
  if (input.subscribe) await breaker.subscribe();
  try {
    for (let job = 0; job < input.jobs; job += 1) {
      for (;;) {
        try {
          if (input.reportFromWorkflow) {
            waiting = true;
            await breaker.call(() => {
              waiting = false;
              return callDependency({ caller: input.caller, job, probe: false });
            }, input.guard);
          } else {
            waiting = true;
            const permit = await breaker.guard(input.guard);
            waiting = false;
            if (permit.decision === 'probe') probes += 1;
            await callDependency({ caller: input.caller, job, probe: permit.decision === 'probe' });
          }
          done += 1;
          break;
        } catch (err) {
          waiting = false;
          if (err instanceof ApplicationFailure && err.type === 'CircuitOpenError') throw err;
          // Refused by the activity wrapper: the dependency saw no call; the guard decides when to retry.
          if (breaker.noteCallError(err)) continue;
          failedCalls += 1;
          await sleep(100);
        }
      }
    }
  } catch (err) {
    const error = err as Error;
    return {
      done,
      probes,
      failedCalls,
      notices: breaker.notices,
      error: { name: error.name, message: error.message },
    };
  }
  if (input.unsubscribeAtEnd) await breaker.unsubscribe();
  if (input.lingerMs) await sleep(input.lingerMs);
  return { done, probes, failedCalls, notices: breaker.notices };
}

/** Subscribes, then waits to be told (by query polling) — a subscriber that stays open. */
export async function idleSubscriberWorkflow(
  dependency: string,
  lifetimeMs: number,
): Promise<DependentStatus> {
  const breaker = circuitBreaker(dependency);
  setHandler(dependentStatusQuery, () => ({
    done: 0,
    waiting: false,
    paused: breaker.paused,
    subscribed: breaker.subscribed,
    notices: breaker.notices,
  }));
  await breaker.subscribe();
  await sleep(lifetimeMs);
  return { done: 0, waiting: false, paused: breaker.paused, subscribed: true, notices: breaker.notices };
}

/** Asks a breaker for its state without subscribing. */
export async function peekWorkflow(dependency: string): Promise<string> {
  return circuitBreaker(dependency).fetchState();
}

/** Subscribes, continues as new once, subscribes again in the new run, and stays up for `lifetimeMs`. */
export async function continuingSubscriberWorkflow(
  dependency: string,
  lifetimeMs: number,
  run = 1,
): Promise<DependentStatus> {
  const breaker = circuitBreaker(dependency);
  setHandler(dependentStatusQuery, () => ({
    done: run,
    waiting: false,
    paused: breaker.paused,
    subscribed: breaker.subscribed,
    notices: breaker.notices,
  }));
  await breaker.subscribe();
  if (run === 1) {
    await sleep(300);
    await continueAsNew<typeof continuingSubscriberWorkflow>(dependency, lifetimeMs, 2);
  }
  await sleep(lifetimeMs);
  return { done: run, waiting: false, paused: breaker.paused, subscribed: true, notices: breaker.notices };
}
