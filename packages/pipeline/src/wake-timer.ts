import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/**
 * One timer that wakes a workflow's main loop at its earliest deadline. Re-arming for a later deadline
 * keeps the running timer (an early wake-up only re-checks), so a loop that computes its deadline on
 * every pass does not start and cancel a timer each time; with no deadline the timer is cancelled.
 */
export class WakeTimer {
  private scope?: CancellationScope;
  private at?: number;

  constructor(private readonly wake: () => void) {}

  /** Arms the timer for `deadline` (workflow time, ms), or cancels it when `undefined`. */
  set(deadline: number | undefined): void {
    if (deadline === undefined) {
      this.cancel();
      return;
    }
    if (this.at !== undefined && this.at <= deadline) return;
    this.cancel();
    const scope = new CancellationScope();
    this.scope = scope;
    this.at = deadline;
    scope
      .run(() => sleep(Math.max(1, deadline - Date.now())))
      .then(
        () => {
          if (this.scope === scope) {
            this.scope = undefined;
            this.at = undefined;
          }
          this.wake();
        },
        (err: unknown) => {
          if (!isCancellation(err)) throw err;
        },
      )
      .catch(() => undefined);
  }

  private cancel(): void {
    this.scope?.cancel();
    this.scope = undefined;
    this.at = undefined;
  }
}
