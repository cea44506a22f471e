import { fnv1a } from './hash.js';

/** The 32-bit hash a user is counted by (never −1, which SpaceSaving reads as "no user"). */
export function userHash(userId: string): number {
  const h = fnv1a(userId) | 0;
  return h === -1 ? 0 : h;
}

/** The three columns of `slots` counters as views of one buffer (space-saving.ts says why). */
function columns(slots: number, threshold: number): [atLeast: Uint8Array, known: Uint8Array, witnesses: Int32Array] {
  const buffer = new ArrayBuffer(slots * (threshold * 4 + 2));
  return [
    new Uint8Array(buffer, slots * threshold * 4, slots),
    new Uint8Array(buffer, slots * (threshold * 4 + 1), slots),
    new Int32Array(buffer, 0, slots * threshold),
  ];
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
 */
export class DistinctUsers {
  /** Lower bound of distinct users per slot, at most threshold + 1. */
  private atLeast: Uint8Array;
  /** Witnesses stored per slot (≤ threshold). */
  private known: Uint8Array;
  /** `threshold` user hashes per slot; the first known[s] are valid. */
  private witnesses: Int32Array;

  constructor(
    readonly threshold: number,
    slots: number,
  ) {
    if (!(threshold >= 2 && threshold <= 254)) throw new Error(`distinct-user threshold must be 2..254, got ${threshold}`);
    [this.atLeast, this.known, this.witnesses] = columns(slots, threshold);
  }

  grow(slots: number): void {
    const [atLeast, known, witnesses] = columns(slots, this.threshold);
    atLeast.set(this.atLeast);
    known.set(this.known);
    witnesses.set(this.witnesses);
    this.atLeast = atLeast;
    this.known = known;
    this.witnesses = witnesses;
  }

  /** Notes that `user` (a userHash) added to slot `s`. */
  note(s: number, user: number): void {
    const known = this.known[s];
    const base = s * this.threshold;
    for (let k = 0; k < known; k++) if (this.witnesses[base + k] === user) return;
    if (this.atLeast[s] > known) return;
    if (known < this.threshold) {
      this.witnesses[base + known] = user;
      this.known[s] = known + 1;
    }
    this.atLeast[s] = known + 1;
  }

  supported(s: number): boolean {
    return this.atLeast[s] >= this.threshold;
  }

  /** Distinct users up to the threshold: all that support decisions (and the digest) depend on. */
  count(s: number): number {
    return Math.min(this.atLeast[s], this.threshold);
  }

  /** Takes out `user`, who added to slot `s` (erasure). */
  forget(s: number, user: number): void {
    const known = this.known[s];
    const base = s * this.threshold;
    for (let k = 0; k < known; k++) {
      if (this.witnesses[base + k] !== user) continue;
      this.witnesses[base + k] = this.witnesses[base + known - 1];
      this.known[s] = known - 1;
      this.atLeast[s]--;
      return;
    }
    // an unwitnessed user: one of those counted beyond the witnesses, if any
    if (this.atLeast[s] > known) this.atLeast[s]--;
  }

  /** Slot `from` moves to `to` (the owner filled a hole). */
  move(from: number, to: number): void {
    this.atLeast[to] = this.atLeast[from];
    this.known[to] = this.known[from];
    this.witnesses.copyWithin(to * this.threshold, from * this.threshold, (from + 1) * this.threshold);
  }

  clear(s: number): void {
    this.atLeast[s] = 0;
    this.known[s] = 0;
  }

  /** [atLeast, …witnesses] of slot `s`. */
  toJSON(s: number): number[] {
    const base = s * this.threshold;
    return [this.atLeast[s], ...this.witnesses.subarray(base, base + this.known[s])];
  }

  load(s: number, json: readonly number[]): void {
    const known = Math.min(json.length - 1, this.threshold);
    for (let k = 0; k < known; k++) this.witnesses[s * this.threshold + k] = json[k + 1];
    this.known[s] = known;
    this.atLeast[s] = Math.max(known, Math.min(json[0], this.threshold + 1));
  }
}
