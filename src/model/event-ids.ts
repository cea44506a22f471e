import { unboxedDoubles } from './doubles.js';
import { fnv1a } from './hash.js';

/** A second FNV-1a seed: two 32-bit hashes of one id make the 64-bit key it is remembered by. */
const SECOND_SEED = 0x9747b28c;
const INITIAL_IDS = 8;

/** 2²¹: a key is the first hash's 32 bits above the second's top 21 bits. */
const LOW_BITS = 2 ** 21;

/**
 * The key of the id hashed last, shared by every user's ids: learning an event asks whether its id is
 * known, then adds it, and the key does not depend on the user.
 */
const last = { id: '', key: 0 };

function hash(id: string): number {
  if (id !== last.id) {
    last.id = id;
    last.key = keyOf(fnv1a(id), fnv1a(id, SECOND_SEED));
  }
  return last.key;
}

/** 53 bits of the two halves: an integer a double holds exactly, so ids live in a plain array of doubles. */
function keyOf(hi: number, lo: number): number {
  return hi * LOW_BITS + (lo >>> 11);
}

/**
 * The last `limit` event or order ids of one user, held as 53-bit hashes (of two 32-bit FNV-1a
 * halves) in one growable array of doubles, oldest first: 8 bytes an id instead of a string and a Set
 * slot, and no ArrayBuffer per user (a typed array's buffer cost ~300 bytes more, and a hundred
 * thousand of them were work for every collection). Two different ids of one user collide with odds
 * of about n²/2⁵⁴ (n ≤ 2·limit): a collision would skip an event as a duplicate.
 */
export class EventIds {
  private keys: number[] = unboxedDoubles(INITIAL_IDS);
  private count = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.indexOf(hash(id)) >= 0;
  }

  /** Remembers an id (once); beyond 2 × limit the oldest are dropped down to `limit`. */
  add(id: string): void {
    this.addKey(hash(id));
  }

  private addKey(key: number): void {
    if (this.indexOf(key) >= 0) return;
    if (this.count === this.keys.length) this.grow();
    this.keys[this.count++] = key;
    if (this.limit > 0 && this.count > this.limit * 2) {
      // dropped in batches, so keeping the newest `limit` costs O(1) per id amortised
      const drop = this.count - this.limit;
      this.keys.copyWithin(0, drop, this.count);
      this.count -= drop;
    }
  }

  private indexOf(key: number): number {
    const keys = this.keys;
    // newest first: a re-delivered event is usually among the last ones
    for (let k = this.count - 1; k >= 0; k--) if (keys[k] === key) return k;
    return -1;
  }

  private grow(): void {
    const size = this.keys.length;
    const cap = Math.max(size + 1, Math.ceil(size * 1.5));
    const grown = unboxedDoubles(this.limit > 0 ? Math.min(cap, this.limit * 2 + 1) : cap);
    for (let k = 0; k < this.count; k++) grown[k] = this.keys[k];
    this.keys = grown;
  }

  /**
   * The ids as base64 of 64-bit little-endian (first, second) hash pairs, oldest first; the second's
   * low 11 bits are not kept (zero). Records with all 64 bits load to the same keys.
   */
  toJSON(): string {
    // every byte is written; a small unsafe buffer is a slice of a shared pool, not an ArrayBuffer of its own
    const bytes = Buffer.allocUnsafe(this.count * 8);
    for (let k = 0; k < this.count; k++) {
      const key = this.keys[k];
      const hi = Math.floor(key / LOW_BITS);
      bytes.writeUInt32LE(hi, k * 8);
      bytes.writeUInt32LE(((key - hi * LOW_BITS) * 2048) >>> 0, k * 8 + 4);
    }
    return bytes.toString('base64');
  }

  static fromJSON(limit: number, json: string): EventIds {
    const ids = new EventIds(limit);
    const bytes = Buffer.from(json, 'base64');
    const n = Math.floor(bytes.length / 8);
    ids.keys = unboxedDoubles(Math.max(INITIAL_IDS, n));
    for (let k = 0; k < n; k++) ids.keys[k] = keyOf(bytes.readUInt32LE(k * 8), bytes.readUInt32LE(k * 8 + 4));
    ids.count = n;
    return ids;
  }
}
