/**
 * The main loop every long-running pattern workflow shares: handlers and background work change state
 * and call `wake()`; the loop decides on the latest state, arms at most one timer for its earliest
 * deadline, and waits for the next change. Keeping this in one place means every pattern wakes, times
 * out, counts its outgoing work and continues as new the same way.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  sleep,
  type Workflow,
} from '@temporalio/workflow';

/** Options of {@link WorkflowLoop}. */
export interface WorkflowLoopOptions {
  /**
   * Called with the error of a background task started by {@link WorkflowLoop.spawn}. Defaults to
   * keeping the first error and throwing it from the next {@link WorkflowLoop.waitForChange}, so a
   * failed task fails the workflow visibly instead of being lost.
   */
  onTaskError?: (err: unknown) => void;
}

/**
 * Wake-ups, one deadline timer and counted background work for a workflow's main loop.
 *
 * @example
 * const loop = new WorkflowLoop();
 * setTypedHandler(requestSignal, (req) => { queue.push(req); loop.wake(); });
 * for (;;) {
 *   const seen = loop.mark();
 *   decide(Date.now());
 *   loop.wakeAt(nextDeadline());
 *   if (shouldContinueAsNew()) await loop.drainAndContinueAsNew<typeof myWorkflow>(() => [carried()]);
 *   await loop.waitForChange(seen);
 * }
 */
export class WorkflowLoop {
  private version = 0;
  private tasks = 0;
  private taskError: { err: unknown } | undefined;
  private timer?: { at: number; scope: CancellationScope };
  private readonly onTaskError?: (err: unknown) => void;

  constructor(options: WorkflowLoopOptions = {}) {
    this.onTaskError = options.onTaskError;
  }

  /** Records that state changed: a loop waiting in {@link waitForChange} runs again. */
  wake(): void {
    this.version += 1;
  }

  /** A mark of the current state, for {@link changedSince} and {@link waitForChange}. */
  mark(): number {
    return this.version;
  }

  /** True when {@link wake} was called after `mark` was taken. */
  changedSince(mark: number): boolean {
    return this.version !== mark;
  }

  /**
   * Waits until {@link wake} has been called since `mark` (at once if it already was). With
   * `timeoutMs`, also returns after that long; that starts a timer on every call, so a loop that waits
   * often should arm {@link wakeAt} instead. A failed spawned task (without `onTaskError`) ends the wait
   * and is thrown by the next call.
   *
   * Not `async` on purpose: it returns the SDK's `condition` promise itself, so the loop resumes on the
   * same microtask as a bare `await condition(...)` and issues its commands in the same order, which
   * keeps histories recorded before a workflow adopted the loop replaying.
   */
  waitForChange(mark: number, timeoutMs?: number): Promise<unknown> {
    if (this.taskError !== undefined) return Promise.reject(this.taskError.err);
    const changed = (): boolean => this.version !== mark || this.taskError !== undefined;
    return timeoutMs === undefined ? condition(changed) : condition(changed, Math.max(1, timeoutMs));
  }

  /**
   * Arms the one timer that wakes the loop at `deadline` (workflow time, ms), or cancels it when
   * `undefined`. A later deadline than the armed one keeps the armed timer (an early wake-up only makes
   * the loop decide again), so a loop that computes its deadline on every pass does not start and cancel
   * a timer each time.
   */
  wakeAt(deadline: number | undefined): void {
    if (deadline === undefined) {
      this.cancelTimer();
      return;
    }
    if (this.timer !== undefined && this.timer.at <= deadline) return;
    this.cancelTimer();
    const timer = { at: deadline, scope: new CancellationScope() };
    this.timer = timer;
    timer.scope
      .run(() => sleep(Math.max(1, deadline - Date.now())))
      .then(
        () => {
          if (this.timer === timer) this.timer = undefined;
          this.wake();
        },
        (err: unknown) => {
          // Cancelled from outside too (cancelling the workflow cancels every scope): forget it, so the
          // next wakeAt arms a timer again.
          if (this.timer === timer) this.timer = undefined;
          if (!isCancellation(err)) throw err;
        },
      )
      .catch(() => undefined);
  }

  /** When the armed timer fires (workflow time, ms), or `undefined` when none is armed. */
  get wakeAtDeadline(): number | undefined {
    return this.timer?.at;
  }

  /**
   * Starts background work the loop must not wait for now but must not lose either (a signal to another
   * workflow, a child start). It is counted until it settles, then wakes the loop; its error goes to
   * `onTaskError`. The task starts synchronously, so the commands it issues keep their order.
   */
  spawn(task: () => Promise<unknown>): void {
    this.tasks += 1;
    task()
      .catch((err: unknown) => {
        if (this.onTaskError) this.onTaskError(err);
        else this.taskError ??= { err };
      })
      .finally(() => {
        this.tasks -= 1;
        this.wake();
      });
  }

  /** How many spawned tasks have not settled yet. */
  get pendingTasks(): number {
    return this.tasks;
  }

  /** Waits until every spawned task has settled. */
  async whenTasksSettled(): Promise<void> {
    await condition(() => this.tasks === 0);
  }

  /**
   * Waits until every signal and update handler has finished and every spawned task has settled, then
   * continues as new with the arguments `buildArgs` returns. `buildArgs` runs after that, so the state it
   * carries includes everything the handlers received and every delivery's outcome.
   */
  async drainAndContinueAsNew<F extends Workflow>(buildArgs: () => Parameters<F>): Promise<never> {
    await condition(() => allHandlersFinished() && this.tasks === 0);
    return continueAsNew<F>(...buildArgs());
  }

  private cancelTimer(): void {
    this.timer?.scope.cancel();
    this.timer = undefined;
  }
}

/**
 * Tracks how long a workflow has had nothing to do, for patterns that complete after an idle period
 * (a later request starts a new run by signal-with-start).
 */
export class IdleClock {
  private since: number | undefined;

  constructor(private readonly idleTimeoutMs: number) {}

  /** Records whether the workflow is idle at `now`; returns the time it became idle, if it is. */
  update(idle: boolean, now: number): number | undefined {
    this.since = idle ? (this.since ?? now) : undefined;
    return this.since;
  }

  /** When the idle period ends (workflow time, ms), or `undefined` while the workflow is busy. */
  get deadline(): number | undefined {
    return this.since === undefined ? undefined : this.since + this.idleTimeoutMs;
  }

  /** True once the workflow has been idle for the whole timeout. */
  expired(now: number): boolean {
    return this.since !== undefined && now - this.since >= this.idleTimeoutMs;
  }
}
