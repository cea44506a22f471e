import { ForwardDecay } from './decay.js';

export interface TrendingJson {
  t0: number | null;
  counts: Array<[string, number, number]>;
  top: string[];
}

/**
 * Decayed item counts. Stored in forward-decayed units, so the ranking by stored value is the ranking
 * by current value and only ever changes when an item grows: the top list is maintained exactly by
 * bubbling the grown item up.
 */
export class Trending {
  readonly decay: ForwardDecay;
  /** itemId → [decayed count (stored units), undecayed number of contributions]. */
  readonly counts = new Map<string, [number, number]>();
  private top: string[] = [];
  /** Set when a removal may have lowered an item of the top list: it is rebuilt on the next read. */
  private topStale = false;

  constructor(
    halfLifeHours: number,
    readonly topSize = 100,
  ) {
    this.decay = new ForwardDecay(halfLifeHours);
  }

  /** Adds `weight` observed at `time`; `count` is added to the item's number of contributions. */
  add(itemId: string, weight: number, time: number, count = 1): void {
    this.renormaliseAt(time);
    this.bump(itemId, weight * this.decay.scale(time), count);
  }

  /** Moves a contribution of 1 observed at `from` to the later time `to` (a user's new window). */
  renew(itemId: string, from: number, to: number): void {
    this.renormaliseAt(to);
    this.bump(itemId, this.decay.scale(to) - this.decay.scale(from), 0);
  }

  private renormaliseAt(time: number): void {
    const factor = this.decay.renormaliseAt(time);
    if (factor !== null) for (const c of this.counts.values()) c[0] *= factor;
  }

  /** Adds `delta` (stored units, ≥ 0) and `count` contributions to the item. */
  private bump(itemId: string, delta: number, count: number): void {
    let c = this.counts.get(itemId);
    if (c === undefined) {
      c = [0, 0];
      this.counts.set(itemId, c);
    }
    c[0] += delta;
    c[1] += count;
    if (!this.topStale) this.promote(itemId, c[0]);
  }

  /**
   * Takes back `stored` (stored units) and `count` contributions (user erasure). An item left with no
   * contribution disappears; near-zero float remainders are dropped rather than kept as noise.
   */
  remove(itemId: string, stored: number, count: number): void {
    const c = this.counts.get(itemId);
    if (c === undefined) return;
    const before = c[0];
    c[0] -= stored;
    c[1] -= count;
    if (c[0] <= before * 1e-12) c[0] = 0;
    if (c[1] <= 0) this.counts.delete(itemId);
    this.topStale = true;
  }

  /** Sets an item's stored count and number of contributions (a restored item); the top list is rebuilt at its next read. */
  load(itemId: string, stored: number, count: number): void {
    this.counts.set(itemId, [stored, count]);
    this.topStale = true;
  }

  /** The exact top list from all counts (after removals, which the incremental promotion cannot undo). */
  private rebuildTop(): void {
    const all = [...this.counts].filter(([, c]) => c[0] > 0);
    all.sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.top = all.slice(0, this.topSize).map(([id]) => id);
    this.topStale = false;
  }

  /** Drops the items' counts; the top list is rebuilt from the remaining counts if it held any of them. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.counts.delete(id);
    const top = this.top.filter((id) => this.counts.has(id));
    if (top.length === this.top.length) return;
    this.top = [];
    for (const [id, c] of this.counts) {
      // most counts lose against a full top list: skip promote()'s search of the list for them
      if (this.top.length >= this.topSize && c[0] <= this.stored(this.top[this.top.length - 1])) continue;
      this.promote(id, c[0]);
    }
    this.topStale = false;
  }

  private promote(itemId: string, value: number): void {
    const top = this.top;
    let at = top.indexOf(itemId);
    if (at < 0) {
      if (top.length >= this.topSize) {
        if (value <= this.stored(top[top.length - 1])) return;
        top[top.length - 1] = itemId;
      } else {
        top.push(itemId);
      }
      at = top.length - 1;
    }
    while (at > 0 && this.before(itemId, value, top[at - 1])) {
      top[at] = top[at - 1];
      at--;
    }
    top[at] = itemId;
  }

  private before(id: string, value: number, other: string): boolean {
    const ov = this.stored(other);
    return value > ov || (value === ov && id < other);
  }

  private stored(itemId: string): number {
    return this.counts.get(itemId)?.[0] ?? 0;
  }

  /** Decayed count at `now`. */
  value(itemId: string, now: number): number {
    return this.stored(itemId) * this.decay.valueFactor(now);
  }

  /** Undecayed number of contributions (one per user while the item is in their history). */
  total(itemId: string): number {
    return this.counts.get(itemId)?.[1] ?? 0;
  }

  /** Most trending items first. */
  topItems(): readonly string[] {
    if (this.topStale) this.rebuildTop();
    return this.top;
  }

  toJSON(): TrendingJson {
    const counts: TrendingJson['counts'] = [];
    for (const [id, [v, n]] of this.counts) counts.push([id, v, n]);
    return { t0: this.decay.t0, counts, top: [...this.topItems()] };
  }

  static fromJSON(halfLifeHours: number, json: TrendingJson): Trending {
    const t = new Trending(halfLifeHours);
    t.decay.t0 = json.t0;
    for (const [id, v, n] of json.counts) t.counts.set(id, [v, n]);
    t.top = [...json.top];
    return t;
  }
}
