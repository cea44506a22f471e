import { fnv1a } from './hash.js';

/** The 32-bit hash a user is counted by (never −1, which SpaceSaving reads as "no user"). */
export function userHash(userId: string): number {
  const h = fnv1a(userId) | 0;
  return h === -1 ? 0 : h;
}

/**
 * How many distinct users stand behind each counter of a SpaceSaving, as far as the support threshold
 * needs it. The hashes of the first `threshold` users are kept as witnesses, so a user counts once
 * however often they add to the counter (repeats, revisits after their history evicted the item).
 * `atLeast` is a lower bound of the distinct users: exact up to `threshold`; one more user beyond the
 * witnesses makes it threshold + 1 and counting stops (an unwitnessed user adding again could not be
 * told from a new one). Erasing a user lowers it by one, witnessed or not, so after one erasure a
 * counter is supported exactly when the users left are at least `threshold`, as a replay without the
 * erased user would find. Two users whose ids share a 32-bit hash count as one (errs low).
 *
 * Per slot, `threshold` 32-bit witnesses and two bytes, atLeast and the number of witnesses known. They
 * live where the owner puts them (`attach`): a counter set keeps them in its own columns, so a set is
 * one buffer (each typed array costs ~100 bytes besides its data).
 */
export class DistinctUsers {
  private ints: Int32Array;
  /** Integers from one slot to the next in `ints`. */
  private stride: number;
  /** Where a slot's witnesses start within its stride. */
  private at = 0;
  /** atLeast and known of slot s at 2s and 2s + 1. */
  private bytes: Uint8Array;

  /** Standalone, with room for `slots` slots (a counter set attaches its own columns instead). */
  constructor(
    readonly threshold: number,
    slots: number,
  ) {
    if (!(threshold >= 2 && threshold <= 254)) throw new Error(`distinct-user threshold must be 2..254, got ${threshold}`);
    this.stride = threshold;
    this.ints = new Int32Array(slots * threshold);
    this.bytes = new Uint8Array(slots * 2);
  }

  /**
   * From now on the witnesses live in `ints` (the owner's copy), `stride` apart, from `at` within each
   * stride; the two bytes of each slot in `bytes`, where the bytes held so far are copied.
   */
  attach(ints: Int32Array, stride: number, at: number, bytes: Uint8Array): void {
    bytes.set(this.bytes.subarray(0, Math.min(this.bytes.length, bytes.length)));
    this.ints = ints;
    this.stride = stride;
    this.at = at;
    this.bytes = bytes;
  }

  /** Notes that `user` (a userHash) added to slot `s`. */
  note(s: number, user: number): void {
    const ints = this.ints;
    const bytes = this.bytes;
    const base = s * this.stride + this.at;
    const known = bytes[2 * s + 1];
    for (let k = 0; k < known; k++) if (ints[base + k] === user) return;
    if (bytes[2 * s] > known) return;
    if (known < this.threshold) {
      ints[base + known] = user;
      bytes[2 * s + 1] = known + 1;
    }
    bytes[2 * s] = known + 1;
  }

  supported(s: number): boolean {
    return this.bytes[2 * s] >= this.threshold;
  }

  /** Distinct users up to the threshold: all that support decisions (and the digest) depend on. */
  count(s: number): number {
    return Math.min(this.bytes[2 * s], this.threshold);
  }

  /** Takes out `user`, who added to slot `s` (erasure). */
  forget(s: number, user: number): void {
    const ints = this.ints;
    const bytes = this.bytes;
    const base = s * this.stride + this.at;
    const known = bytes[2 * s + 1];
    for (let k = 0; k < known; k++) {
      if (ints[base + k] !== user) continue;
      ints[base + k] = ints[base + known - 1];
      bytes[2 * s + 1] = known - 1;
      bytes[2 * s]--;
      return;
    }
    // an unwitnessed user: one of those counted beyond the witnesses, if any
    if (bytes[2 * s] > known) bytes[2 * s]--;
  }

  /** Slot `from` moves to `to` (the owner filled a hole). */
  move(from: number, to: number): void {
    const source = from * this.stride + this.at;
    this.ints.copyWithin(to * this.stride + this.at, source, source + this.threshold);
    this.bytes[2 * to] = this.bytes[2 * from];
    this.bytes[2 * to + 1] = this.bytes[2 * from + 1];
  }

  clear(s: number): void {
    this.bytes[2 * s] = 0;
    this.bytes[2 * s + 1] = 0;
  }

  /** [atLeast, …witnesses] of slot `s`. */
  toJSON(s: number): number[] {
    const base = s * this.stride + this.at;
    return [this.bytes[2 * s], ...this.ints.subarray(base, base + this.bytes[2 * s + 1])];
  }

  /** Slots 0..count−1 in one array: per slot atLeast, the number of witnesses k, then the k witnesses. */
  columns(count: number): number[] {
    const out: number[] = [];
    for (let s = 0; s < count; s++) {
      const known = this.bytes[2 * s + 1];
      const base = s * this.stride + this.at;
      out.push(this.bytes[2 * s], known);
      for (let k = 0; k < known; k++) out.push(this.ints[base + k]);
    }
    return out;
  }

  /** Loads slot `s` from `columns` (as `columns` writes them) at `at`; returns where the next slot starts. */
  loadColumn(s: number, columns: readonly number[], at: number): number {
    const known = columns[at + 1];
    this.fill(s, columns[at], known, columns, at + 2);
    return at + 2 + known;
  }

  load(s: number, json: readonly number[]): void {
    this.fill(s, json[0], json.length - 1, json, 1);
  }

  /** Slot `s` from atLeast and the `known` witnesses at `from` in `source` (as many as the threshold keeps). */
  private fill(s: number, atLeast: number, known: number, source: readonly number[], from: number): void {
    const base = s * this.stride + this.at;
    const kept = Math.min(known, this.threshold);
    for (let k = 0; k < kept; k++) this.ints[base + k] = source[from + k];
    this.bytes[2 * s + 1] = kept;
    this.bytes[2 * s] = Math.max(kept, Math.min(atLeast, this.threshold + 1));
  }
}
