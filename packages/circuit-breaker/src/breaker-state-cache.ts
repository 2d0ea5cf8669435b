/**
 * What a worker process knows of a breaker's state: the answer of the `circuit-breaker.state` query,
 * shared by every wrapped activity of the process and refreshed once it is older than the caller allows.
 * The age of an answer counts from when its query was sent, so an answer is never younger than it looks.
 */
import type { BreakerStateView } from './definitions.js';

/** A breaker's state as the wrapper uses it; `unknown` when the breaker did not answer. */
export type KnownState = BreakerStateView | { state: 'unknown'; reason: string };

/** Asks the breaker; `holder` asks also for the permit that workflow holds. */
export type StateFetcher = (holder: string | undefined) => Promise<KnownState>;

export class BreakerStateCache {
  private latest?: { value: KnownState; askedAt: number };
  private inflight?: { askedAt: number; promise: Promise<KnownState> };
  /** Answers to queries sent before this moment are not used (set when the breaker may have changed). */
  private floor = Number.NEGATIVE_INFINITY;

  constructor(private readonly fetch: StateFetcher) {}

  /** The state from a query sent at or after `notBefore` (epoch ms): cached, in flight, or asked now. */
  get(notBefore: number): Promise<KnownState> {
    const since = Math.max(notBefore, this.floor);
    if (this.latest && this.latest.askedAt >= since) return Promise.resolve(this.latest.value);
    if (this.inflight && this.inflight.askedAt >= since) return this.inflight.promise;
    const asked = this.ask(undefined);
    this.inflight = asked;
    void asked.promise.finally(() => {
      if (this.inflight === asked) this.inflight = undefined;
    });
    return asked.promise;
  }

  /** Asks now, with `holder`'s permit; the answer also refreshes the shared state. */
  fresh(holder: string | undefined): Promise<KnownState> {
    return this.ask(holder).promise;
  }

  /** Makes the next call ask again: something this process did may have changed the breaker. */
  invalidate(): void {
    this.floor = Date.now();
  }

  private ask(holder: string | undefined): { askedAt: number; promise: Promise<KnownState> } {
    const askedAt = Date.now();
    const promise = this.fetch(holder).then((value) => {
      if (!this.latest || this.latest.askedAt <= askedAt) {
        // The shared copy carries no permit: that belongs to one holder.
        const { permitId: _permitId, probe: _probe, ...shared } = value as BreakerStateView;
        this.latest = { value: value.state === 'unknown' ? value : shared, askedAt };
      }
      return value;
    });
    return { askedAt, promise };
  }
}
