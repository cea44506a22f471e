/** One counter: `count` over-estimates the true total by at most `err`; `n` counts co-occurring users. */
export interface Counter {
  /** The key this counter is stored under (lets hot loops iterate values() without entry tuples). */
  readonly key: string;
  count: number;
  n: number;
  err: number;
  /** Owner's cached pointer to whatever the key names (not serialised; rebuilt on demand). */
  peer?: object;
}

export type CounterJson = [key: string, count: number, n: number, err: number];

export interface SpaceSavingJson {
  floor: number;
  entries: CounterJson[];
}

/**
 * Space-Saving (Metwally et al.) with batched eviction: at most `capacity` counters (0 = unbounded).
 * When full, the smallest eighth is evicted at once (amortising the sort) and every later newcomer
 * starts from the largest evicted count, which it carries as its error — so counts stay
 * over-estimates, `count − err` stays an under-estimate, and heavy pairs survive.
 */
let evictScratch = new Float64Array(256);

export class SpaceSaving {
  readonly entries = new Map<string, Counter>();
  /** Count inherited by new entries: the largest count evicted so far. */
  floor = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Counter | undefined {
    return this.entries.get(key);
  }

  /** Adds `delta` to the key's count and `nInc` to its co-occurrence count; returns the counter. */
  add(key: string, delta: number, nInc: number): Counter {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.count += delta;
      entry.n += nInc;
      return entry;
    }
    if (this.capacity > 0 && this.entries.size >= this.capacity) this.evict();
    const fresh: Counter = { key, count: this.floor + delta, n: nInc, err: this.floor, peer: undefined };
    this.entries.set(key, fresh);
    return fresh;
  }

  /** Removes a contribution (user erasure); counters that reach zero support disappear. */
  subtract(key: string, delta: number, nDec: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.count -= delta;
    entry.n -= nDec;
    if (entry.n <= 0 || entry.count - entry.err <= 0) this.entries.delete(key);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Multiplies every count (forward-decay renormalisation). */
  scale(factor: number): void {
    this.floor *= factor;
    for (const entry of this.entries.values()) {
      entry.count *= factor;
      entry.err *= factor;
    }
  }

  /**
   * Drops the `capacity/8` smallest counters, ties by key (so the choice is order-independent): finds
   * the cut count on a scratch copy instead of sorting the entries.
   */
  private evict(): void {
    const size = this.entries.size;
    const drop = Math.min(size, Math.max(1, Math.floor(this.capacity / 8)));
    if (drop === 0) return;
    if (evictScratch.length < size) evictScratch = new Float64Array(size * 2);
    const counts = evictScratch.subarray(0, size);
    let i = 0;
    for (const c of this.entries.values()) counts[i++] = c.count;
    counts.sort();
    const cut = counts[drop - 1];
    // every counter under the cut goes; of those exactly at the cut, the smallest keys go
    const atCut: string[] = [];
    let dropped = 0;
    for (const c of this.entries.values()) {
      if (c.count < cut) {
        this.entries.delete(c.key);
        dropped++;
      } else if (c.count === cut) {
        atCut.push(c.key);
      }
    }
    if (dropped + atCut.length > drop) atCut.sort();
    for (let k = 0; dropped < drop && k < atCut.length; k++, dropped++) this.entries.delete(atCut[k]);
    if (cut > this.floor) this.floor = cut;
  }

  toJSON(): SpaceSavingJson {
    const entries: CounterJson[] = [];
    for (const [key, c] of this.entries) entries.push([key, c.count, c.n, c.err]);
    return { floor: this.floor, entries };
  }

  static fromJSON(capacity: number, json: SpaceSavingJson): SpaceSaving {
    const ss = new SpaceSaving(capacity);
    ss.floor = json.floor;
    for (const [key, count, n, err] of json.entries) ss.entries.set(key, { key, count, n, err, peer: undefined });
    return ss;
  }
}
