import { fnv1a } from './hash.js';

/** A second FNV-1a seed: two 32-bit hashes of one id make the 64-bit key it is remembered by. */
const SECOND_SEED = 0x9747b28c;
/** Keys a run gains at least when it is full. */
const GROW_KEYS = 4;

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

/** 53 bits of the two halves: an integer a double holds exactly, so ids live among a user's other numbers. */
function keyOf(hi: number, lo: number): number {
  return hi * LOW_BITS + (lo >>> 11);
}

/**
 * Numbers that end with a run of id keys (HistoryItems' head): the run's count at `at`, its keys
 * from `at + 1` to the end of the head, which grows to make room.
 */
export interface IdKeysHost {
  numberAt(k: number): number;
  setNumber(k: number, value: number): void;
  readonly headSize: number;
  growHead(size: number): void;
  lastIndexOfNumber(value: number, from: number, to: number): number;
}

/**
 * The last `limit` event or order ids of one user, held as 53-bit hashes (of two 32-bit FNV-1a
 * halves) among the user's other numbers, oldest first: 8 bytes an id instead of a string and a Set
 * slot, and neither an array nor an object of their own (their own array of doubles cost ~130 bytes
 * a user besides the keys; a typed array's buffer ~300 more). Two different ids of one user collide
 * with odds of about n²/2⁵⁴ (n ≤ 2·limit): a collision would skip an event as a duplicate.
 */
export const eventIds = {
  size(host: IdKeysHost, at: number): number {
    return count(host, at);
  },

  has(host: IdKeysHost, at: number, id: string): boolean {
    return indexOf(host, at, hash(id)) >= 0;
  },

  /** Remembers an id (once); beyond 2 × limit the oldest are dropped down to `limit`. */
  add(host: IdKeysHost, at: number, limit: number, id: string): void {
    const key = hash(id);
    if (indexOf(host, at, key) >= 0) return;
    let n = count(host, at);
    const first = at + 1;
    if (first + n === host.headSize) host.growHead(first + grownCapacity(n, limit));
    host.setNumber(first + n, key);
    n++;
    if (limit > 0 && n > limit * 2) {
      // dropped in batches, so keeping the newest `limit` costs O(1) per id amortised
      const drop = n - limit;
      for (let k = 0; k < limit; k++) host.setNumber(first + k, host.numberAt(first + drop + k));
      n = limit;
    }
    host.setNumber(at, n);
  },

  /**
   * The ids as base64 of 64-bit little-endian (first, second) hash pairs, oldest first; the second's
   * low 11 bits are not kept (zero). Records with all 64 bits load to the same keys.
   */
  toJSON(host: IdKeysHost, at: number): string {
    const n = count(host, at);
    // every byte is written; a small unsafe buffer is a slice of a shared pool, not an ArrayBuffer of its own
    const bytes = Buffer.allocUnsafe(n * 8);
    for (let k = 0; k < n; k++) {
      const key = host.numberAt(at + 1 + k);
      const hi = Math.floor(key / LOW_BITS);
      bytes.writeUInt32LE(hi, k * 8);
      bytes.writeUInt32LE(((key - hi * LOW_BITS) * 2048) >>> 0, k * 8 + 4);
    }
    return bytes.toString('base64');
  },

  /** Replaces the run's ids by those of a toJSON form (every one of them, whatever the limit). */
  load(host: IdKeysHost, at: number, json: string): void {
    const bytes = Buffer.from(json, 'base64');
    const n = Math.floor(bytes.length / 8);
    if (host.headSize < at + 1 + n) host.growHead(at + 1 + n);
    for (let k = 0; k < n; k++) host.setNumber(at + 1 + k, keyOf(bytes.readUInt32LE(k * 8), bytes.readUInt32LE(k * 8 + 4)));
    host.setNumber(at, n);
  },
};

function indexOf(host: IdKeysHost, at: number, key: number): number {
  // newest first: a re-delivered event is usually among the last ones
  return host.lastIndexOfNumber(key, at + 1, at + 1 + count(host, at));
}

/** The run's count as an integer: read from an array of doubles it is a double, and a double index costs a conversion per access in the loops that use it. */
function count(host: IdKeysHost, at: number): number {
  return host.numberAt(at) | 0;
}

/** Room for the next key: a quarter more (at least GROW_KEYS), never past the 2 × limit + 1 a run can hold. */
function grownCapacity(count: number, limit: number): number {
  const grown = count + Math.max(GROW_KEYS, Math.ceil(count / 4));
  return limit > 0 ? Math.max(count + 1, Math.min(grown, limit * 2 + 1)) : grown;
}
