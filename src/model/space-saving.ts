/** One counter: `count` over-estimates the true total by at most `err`; `n` counts co-occurring users. */
export interface Counter {
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
    const fresh: Counter = { count: this.floor + delta, n: nInc, err: this.floor, peer: undefined };
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

  private evict(): void {
    const sorted = [...this.entries].sort((a, b) => a[1].count - b[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const drop = Math.max(1, Math.floor(this.capacity / 8));
    for (let k = 0; k < drop && k < sorted.length; k++) {
      const [key, counter] = sorted[k];
      this.entries.delete(key);
      if (counter.count > this.floor) this.floor = counter.count;
    }
  }

  toJSON(): SpaceSavingJson {
    const entries: CounterJson[] = [];
    for (const [key, c] of this.entries) entries.push([key, c.count, c.n, c.err]);
    return { floor: this.floor, entries };
  }

  static fromJSON(capacity: number, json: SpaceSavingJson): SpaceSaving {
    const ss = new SpaceSaving(capacity);
    ss.floor = json.floor;
    for (const [key, count, n, err] of json.entries) ss.entries.set(key, { count, n, err, peer: undefined });
    return ss;
  }
}
