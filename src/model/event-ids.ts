import { fnv1a } from './hash.js';

/** A second FNV-1a seed: two 32-bit hashes of one id make the 64-bit key it is remembered by. */
const SECOND_SEED = 0x9747b28c;
const INITIAL_IDS = 8;

/**
 * The id hashed last and its halves, shared by every user's ids: learning an event asks whether its
 * id is known, then adds it, and the hash does not depend on the user.
 */
const last = { id: '', hi: 0, lo: 0 };

function hash(id: string): void {
  if (id === last.id) return;
  last.id = id;
  last.hi = fnv1a(id);
  last.lo = fnv1a(id, SECOND_SEED);
}

/**
 * The last `limit` event or order ids of one user, held as 64-bit hashes (two 32-bit FNV-1a halves)
 * in one growable typed array, oldest first: 8 bytes an id instead of a string and a Set slot. Two
 * different ids of one user collide with odds of about n²/2⁶⁵ (n ≤ 2·limit): a collision would skip
 * an event as a duplicate.
 */
export class EventIds {
  private hashes = new Uint32Array(INITIAL_IDS * 2);
  private count = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    hash(id);
    return this.indexOf(last.hi, last.lo) >= 0;
  }

  /** Remembers an id (once); beyond 2 × limit the oldest are dropped down to `limit`. */
  add(id: string): void {
    hash(id);
    const { hi, lo } = last;
    if (this.indexOf(hi, lo) >= 0) return;
    if ((this.count + 1) * 2 > this.hashes.length) this.grow();
    this.hashes[this.count * 2] = hi;
    this.hashes[this.count * 2 + 1] = lo;
    this.count++;
    if (this.limit > 0 && this.count > this.limit * 2) {
      // dropped in batches, so keeping the newest `limit` costs O(1) per id amortised
      const drop = this.count - this.limit;
      this.hashes.copyWithin(0, drop * 2, this.count * 2);
      this.count -= drop;
    }
  }

  private indexOf(hi: number, lo: number): number {
    const h = this.hashes;
    // newest first: a re-delivered event is usually among the last ones
    for (let k = this.count - 1; k >= 0; k--) if (h[k * 2] === hi && h[k * 2 + 1] === lo) return k;
    return -1;
  }

  private grow(): void {
    const cap = this.limit > 0 ? Math.min(this.hashes.length * 2, (this.limit * 2 + 1) * 2) : this.hashes.length * 2;
    const grown = new Uint32Array(Math.max(cap, this.hashes.length + 2));
    grown.set(this.hashes.subarray(0, this.count * 2));
    this.hashes = grown;
  }

  /** The hashes as base64 of their little-endian bytes, oldest first. */
  toJSON(): string {
    // every byte is written; a small unsafe buffer is a slice of a shared pool, not an ArrayBuffer of its own
    const bytes = Buffer.allocUnsafe(this.count * 8);
    for (let k = 0; k < this.count * 2; k++) bytes.writeUInt32LE(this.hashes[k], k * 4);
    return bytes.toString('base64');
  }

  static fromJSON(limit: number, json: string): EventIds {
    const ids = new EventIds(limit);
    const bytes = Buffer.from(json, 'base64');
    const n = Math.floor(bytes.length / 8);
    ids.hashes = new Uint32Array(Math.max(INITIAL_IDS, n) * 2);
    for (let k = 0; k < n * 2; k++) ids.hashes[k] = bytes.readUInt32LE(k * 4);
    ids.count = n;
    return ids;
  }
}
