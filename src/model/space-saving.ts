/** One counter: `count` over-estimates the true total by at most `err`; `n` counts co-occurring users. */
export interface Counter {
  /** The key this counter is stored under (lets hot loops iterate values() without entry tuples). */
  readonly key: string;
  count: number;
  n: number;
  err: number;
  /** Owner's cached pointer to whatever the key names (not serialised; rebuilt on demand). */
  peer?: object;
  /** Position in the owner's dense `list`. */
  slot: number;
}

export type CounterJson = [key: string, count: number, n: number, err: number];

export interface SpaceSavingJson {
  floor: number;
  entries: CounterJson[];
}

let evictScratch = new Float64Array(256);

/** The k-th smallest value (1 ≤ k ≤ length) by quickselect; reorders `values`. */
function kthSmallest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i]; values[i] = values[j]; values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

/**
 * Space-Saving (Metwally et al.) with batched eviction: at most `capacity` counters (0 = unbounded).
 * When full, the smallest eighth is evicted at once (amortising the sort) and every later newcomer
 * starts from the largest evicted count, which it carries as its error — so counts stay
 * over-estimates, `count − err` stays an under-estimate, and heavy pairs survive.
 * Change counters only through the methods: they keep `entries` and `list` in step.
 */
export class SpaceSaving {
  readonly entries = new Map<string, Counter>();
  /** The same counters as a dense array (any order): hot loops iterate it instead of the Map. */
  readonly list: Counter[] = [];
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
    const fresh: Counter = { key, count: this.floor + delta, n: nInc, err: this.floor, peer: undefined, slot: this.list.length };
    this.entries.set(key, fresh);
    this.list.push(fresh);
    return fresh;
  }

  private remove(counter: Counter): void {
    this.entries.delete(counter.key);
    const last = this.list.pop() as Counter;
    if (last !== counter) {
      this.list[counter.slot] = last;
      last.slot = counter.slot;
    }
  }

  /** Removes a contribution (user erasure); counters that reach zero support disappear. */
  subtract(key: string, delta: number, nDec: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.count -= delta;
    entry.n -= nDec;
    if (entry.n <= 0 || entry.count - entry.err <= 0) this.remove(entry);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) this.remove(entry);
  }

  /** Multiplies every count (forward-decay renormalisation). */
  scale(factor: number): void {
    this.floor *= factor;
    for (const entry of this.list) {
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
    const list = this.list;
    for (let i = 0; i < size; i++) counts[i] = list[i].count;
    const cut = kthSmallest(counts, drop);
    // every counter under the cut goes; of those exactly at the cut, the smallest keys go
    const atCut: Counter[] = [];
    let dropped = 0;
    for (let i = list.length - 1; i >= 0; i--) {
      // backwards: a removal moves the last counter into slot i, which was visited already
      const c = list[i];
      if (c.count < cut) {
        this.remove(c);
        dropped++;
      } else if (c.count === cut) {
        atCut.push(c);
      }
    }
    if (dropped + atCut.length > drop) atCut.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let k = 0; dropped < drop && k < atCut.length; k++, dropped++) this.remove(atCut[k]);
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
    for (const [key, count, n, err] of json.entries) {
      const counter: Counter = { key, count, n, err, peer: undefined, slot: ss.list.length };
      ss.entries.set(key, counter);
      ss.list.push(counter);
    }
    return ss;
  }
}
