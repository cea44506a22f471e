/** Spreads small consecutive integers over the table. */
function hash(key: number): number {
  const h = Math.imul(key, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * A map from non-negative integers to integers (−1 = absent) by open addressing with linear probing,
 * in one Int32Array of (key + 1, value) pairs: far fewer cache lines per lookup than a Map, which
 * matters on the model's hottest path (one lookup per co-occurring item pair).
 */
export class PeerTable {
  private table: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 8) {
    let capacity = 8;
    while (capacity * 3 < expected * 4) capacity <<= 1;
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  get(key: number): number {
    const t = this.table;
    const mask = this.mask;
    const stored = key + 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = t[2 * i];
      if (k === stored) return t[2 * i + 1];
      if (k === 0) return -1;
    }
  }

  set(key: number, value: number): void {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const t = this.table;
    const mask = this.mask;
    const stored = key + 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = t[2 * i];
      if (k === stored) {
        t[2 * i + 1] = value;
        return;
      }
      if (k === 0) {
        t[2 * i] = stored;
        t[2 * i + 1] = value;
        this.count++;
        return;
      }
    }
  }

  delete(key: number): void {
    const t = this.table;
    const mask = this.mask;
    const stored = key + 1;
    let i = hash(key) & mask;
    for (; ; i = (i + 1) & mask) {
      const k = t[2 * i];
      if (k === stored) break;
      if (k === 0) return;
    }
    this.count--;
    // backward-shift deletion: pull later entries of the probe run into the hole (no tombstones)
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = t[2 * j];
      if (k === 0) break;
      const home = hash(k - 1) & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (!stays) {
        t[2 * i] = k;
        t[2 * i + 1] = t[2 * j + 1];
        i = j;
      }
    }
    t[2 * i] = 0;
    t[2 * i + 1] = 0;
  }

  private grow(): void {
    const old = this.table;
    const capacity = (this.mask + 1) * 2;
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.set(old[i] - 1, old[i + 1]);
  }
}
