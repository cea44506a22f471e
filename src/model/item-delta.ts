import type { ItemUpdates } from './item-updates.js';

/** Where a delta record's increments come from: one user-side batch of one input partition. */
export interface DeltaSource {
  topic: string;
  partition: number;
  /** First input offset of the batch and the offset after its last one. */
  from: number;
  to: number;
  /** Position of the record among the batch's delta records (records of one batch share the range). */
  seq: number;
}

/**
 * One item's increments from one user-side batch, in the user side's stored units (landmark `t0`):
 * the record of `item-deltas`, keyed by item, applied by the item's owner.
 */
export interface ItemDelta {
  item: string;
  source: DeltaSource;
  t0: number | null;
  /** Latest interaction time with the item in the batch (0: the item was only a peer). */
  touch: number;
  norm: number;
  /** dot(item, peer) growth, in the order the user side made it. */
  pairs: PairIncrements;
  /** [minute, fromMinute]: trending contributions started (fromMinute 0) or moved. */
  trends: Array<[number, number]>;
  /** [to, weight, nInc, userHash]: followed-by item → to. */
  follows: Array<[string, number, number, number]>;
  /** Latest price seen in the batch, 0 if none. */
  price: number;
  /** Erasure: [peer, amount, userHash], ‖r‖² taken back, [to, weight, userHash], trending minutes. */
  unpairs: Array<[string, number, number]>;
  unnorm: number;
  unfollows: Array<[string, number, number]>;
  untrends: number[];
}

/**
 * Increments of dot(item, peer), entry k being peers[k], amounts[k], ns[k] (new co-occurrences) and
 * users[k] (userHash): columns, as they are most of a batch's entries (one array each would be
 * most of its allocations).
 */
export interface PairIncrements {
  peers: string[];
  amounts: number[];
  ns: number[];
  users: number[];
}

export function blankPairs(): PairIncrements {
  return { peers: [], amounts: [], ns: [], users: [] };
}

function blankDelta(item: string): ItemDelta {
  return {
    item,
    source: { topic: '', partition: 0, from: 0, to: 0, seq: 0 },
    t0: null,
    touch: 0,
    norm: 0,
    pairs: blankPairs(),
    trends: [],
    follows: [],
    price: 0,
    unpairs: [],
    unnorm: 0,
    unfollows: [],
    untrends: [],
  };
}

/** A delta of a batch and its place: records go out by rank, the clock at its last touch or its creation. */
interface Entry {
  delta: ItemDelta;
  rank: number;
}

/**
 * Gathers the user side's updates of one batch per item, so one record carries one item's increments
 * of that batch (a pair is booked on both of its items), in the order they were made.
 */
export class ItemDeltaBatch implements ItemUpdates {
  private readonly deltas = new Map<string, Entry>();
  /** The delta of the item whose pairs came last: an interaction's pairs all name it first. */
  private lastPaired: ItemDelta | null = null;
  /** Counts creations and touches, for Entry.rank. */
  private clock = 0;

  /** `t0`: the user side's decay landmark when the records are taken. */
  constructor(private readonly landmark: () => number | null) {}

  get size(): number {
    return this.deltas.size;
  }

  private entry(item: string): Entry {
    let e = this.deltas.get(item);
    if (e === undefined) {
      e = { delta: blankDelta(item), rank: ++this.clock };
      this.deltas.set(item, e);
    }
    return e;
  }

  private of(item: string): ItemDelta {
    return this.entry(item).delta;
  }

  /** An empty delta for the item: its record says only that the batch's source reached the item's owner. */
  mark(itemId: string): void {
    this.of(itemId);
  }

  touch(itemId: string, time: number): void {
    const e = this.entry(itemId);
    if (time > e.delta.touch) e.delta.touch = time;
    // records go out in order of last interaction, so the owner's recency (who is forgotten first at
    // the item cap) follows the batch's last touches as it follows single events
    e.rank = ++this.clock;
  }

  pair(a: string, b: string, amount: number, nInc: number, who: number): void {
    let da = this.lastPaired;
    if (da === null || da.item !== a) {
      da = this.of(a);
      this.lastPaired = da;
    }
    addPair(da.pairs, b, amount, nInc, who);
    addPair(this.of(b).pairs, a, amount, nInc, who);
  }

  norm(itemId: string, amount: number): void {
    this.of(itemId).norm += amount;
  }

  trend(itemId: string, minute: number, fromMinute: number): void {
    this.of(itemId).trends.push([minute, fromMinute]);
  }

  follow(from: string, to: string, weight: number, nInc: number, who: number): void {
    this.of(from).follows.push([to, weight, nInc, who]);
  }

  price(itemId: string, price: number): void {
    this.of(itemId).price = price;
  }

  unpair(a: string, b: string, amount: number, who: number): void {
    this.of(a).unpairs.push([b, amount, who]);
  }

  unnorm(itemId: string, amount: number): void {
    this.of(itemId).unnorm += amount;
  }

  unfollow(from: string, to: string, weight: number, who: number): void {
    this.of(from).unfollows.push([to, weight, who]);
  }

  untrend(itemId: string, minute: number): void {
    this.of(itemId).untrends.push(minute);
  }

  /** The batch's records, stamped with their source, and an empty batch for the next one. */
  take(source: Omit<DeltaSource, 'seq'>): ItemDelta[] {
    const t0 = this.landmark();
    const entries = [...this.deltas.values()].sort((a, b) => a.rank - b.rank);
    const out: ItemDelta[] = new Array(entries.length);
    for (let seq = 0; seq < entries.length; seq++) {
      const d = entries[seq].delta;
      // its blank source, filled in: a new one per delta was an object per item touched per batch
      const own = d.source;
      own.topic = source.topic;
      own.partition = source.partition;
      own.from = source.from;
      own.to = source.to;
      own.seq = seq;
      d.t0 = t0;
      out[seq] = d;
    }
    this.deltas.clear();
    this.lastPaired = null;
    return out;
  }
}

function addPair(pairs: PairIncrements, peer: string, amount: number, nInc: number, who: number): void {
  pairs.peers.push(peer);
  pairs.amounts.push(amount);
  pairs.ns.push(nInc);
  pairs.users.push(who);
}

/** Updates that go nowhere: a replay rebuilding user state whose item increments were applied already. */
export const DISCARD_UPDATES: ItemUpdates = {
  touch() {},
  pair() {},
  norm() {},
  trend() {},
  follow() {},
  price() {},
  unpair() {},
  unnorm() {},
  unfollow() {},
  untrend() {},
};
