/**
 * The fan-in joins of a stage: an item's inputs from its upstream stages gathered until every one is in,
 * then merged into one item for the stage's activity. A join that waits past the join timeout is given
 * up, and the inputs still missing are dropped when they arrive late. Pure state (no timers, no
 * signals): the stage workflow decides what to do with a given-up item.
 */
import type { ItemEnvelope, ItemFailure } from './definitions.js';

/** An item waiting for the other inputs of a fan-in stage. */
export interface JoinState {
  id: string;
  index: number;
  /** Workflow time the first input arrived. */
  since: number;
  /** Inputs so far, by upstream stage. */
  inputs: Record<string, ItemEnvelope>;
}

/** An item with every input in, waiting for the stage's activity. */
export interface ReadyItem {
  id: string;
  index: number;
  status: ItemEnvelope['status'];
  failure?: ItemFailure;
  /** Input references by upstream stage. */
  inputs: Record<string, unknown>;
}

/** A join given up at its timeout. */
export interface ExpiredJoin {
  id: string;
  index: number;
  /** The upstream stages whose input never came. */
  missing: string[];
}

/** What {@link StageJoins.accept} did with an input. */
export interface JoinStep {
  /** The input was the item's first: the stage holds one more item. */
  started: boolean;
  /** The input completed the item. */
  ready?: ReadyItem;
}

/** The joins of one stage, keyed by item id. */
export class StageJoins {
  private readonly joins: Map<string, JoinState>;
  /** `channel\nitemId` of inputs whose join was given up: dropped when they arrive late. */
  private readonly abandoned: Set<string>;

  constructor(
    private readonly upstream: readonly string[],
    saved: { joins?: JoinState[]; abandonedInputs?: string[] } = {},
  ) {
    this.joins = new Map((saved.joins ?? []).map((j) => [j.id, j]));
    this.abandoned = new Set(saved.abandonedInputs ?? []);
  }

  /** Items waiting for more inputs. */
  get size(): number {
    return this.joins.size;
  }

  /**
   * Takes `item` from `channel` at workflow time `now`. `undefined` when it was dropped: a late input of
   * a join given up before.
   */
  accept(channel: string, item: ItemEnvelope, now: number): JoinStep | undefined {
    const key = `${channel}\n${item.id}`;
    if (this.abandoned.has(key)) {
      this.abandoned.delete(key);
      return undefined;
    }
    let join = this.joins.get(item.id);
    const started = join === undefined;
    if (!join) {
      join = { id: item.id, index: item.index, since: now, inputs: {} };
      this.joins.set(item.id, join);
    }
    join.inputs[channel] = item;
    if (!this.upstream.every((u) => join.inputs[u] !== undefined)) return { started };
    this.joins.delete(item.id);
    return { started, ready: this.merge(join) };
  }

  /**
   * Gives up every join that has waited `timeoutMs` by `now`, in input order; their missing inputs are
   * dropped when they arrive.
   */
  expire(now: number, timeoutMs: number): ExpiredJoin[] {
    const expired: ExpiredJoin[] = [];
    for (const join of [...this.joins.values()].sort((a, b) => a.index - b.index)) {
      if (join.since + timeoutMs > now) continue;
      const missing = this.upstream.filter((u) => join.inputs[u] === undefined);
      for (const u of missing) this.abandoned.add(`${u}\n${join.id}`);
      this.joins.delete(join.id);
      expired.push({ id: join.id, index: join.index, missing });
    }
    return expired;
  }

  /** When the oldest waiting join times out (workflow time, ms), if any waits. */
  nextExpiry(timeoutMs: number): number | undefined {
    let next: number | undefined;
    for (const join of this.joins.values()) next = Math.min(next ?? Infinity, join.since + timeoutMs);
    return next;
  }

  /** The waiting joins, to carry into the next run. */
  pending(): JoinState[] {
    return [...this.joins.values()];
  }

  /** The given-up inputs still expected late, to carry into the next run. */
  abandonedInputs(): string[] {
    return [...this.abandoned];
  }

  /** One item from its inputs: failed if any input failed, else skipped if any was skipped. */
  private merge(join: JoinState): ReadyItem {
    const envelopes = this.upstream.map((u) => join.inputs[u]!);
    const stop =
      envelopes.find((e) => e.status === 'failed') ?? envelopes.find((e) => e.status === 'skipped');
    const inputs: Record<string, unknown> = {};
    for (const u of this.upstream) inputs[u] = join.inputs[u]!.ref;
    return stop
      ? { id: join.id, index: join.index, status: stop.status, failure: stop.failure, inputs }
      : { id: join.id, index: join.index, status: 'ok', inputs };
  }
}
