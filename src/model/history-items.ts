import type { EventType } from '../events/types.js';
import { unboxedDoubles } from './doubles.js';
import { FLAG_SPAN, firstFlags, flagsAfter } from './history-entry.js';

/** Followed-by sources remembered per history entry. */
export const MAX_FOLLOWS_PER_ENTRY = 8;

/** A slot's numbers in `nums`, STRIDE apart. */
const STRIDE = 3;
const WEIGHT = 0;
/** trendMinute · FLAG_SPAN + flags: whole minutes since the epoch stay far below 2^53 / FLAG_SPAN. */
const TREND_FLAGS = 1;
/** The minute of the one followed-by source a slot names by a string in `refs`. */
const FOLLOW_MINUTE = 2;
/** A slot's references in `refs`: its item id, then its followed-by sources. */
const REFS = 2;
/** Slots added when the columns are full: a history's columns stay within a few slots of its length. */
const GROW_SLOTS = 4;

/**
 * A slot's followed-by sources: none, one (its minute in the numbers; most entries have one), or
 * [from, minute, …] in the order first seen.
 */
type Follows = string | Array<string | number> | null;

/**
 * One user's history entries, least recently touched first, in columns: per slot the item id, what the
 * user did with it (weight r_ui in forward-decayed units, the latest event's type, cart state; not
 * when: no part of the model reads it, and recency is in the order and the decayed weight) and what it added to shared item state (contributions.ts): the minute of its latest trending
 * count (0 = none) and of its latest followed-by transition from each source. Whole minutes since
 * the epoch are small integers.
 *
 * Columns, not an object per entry: an entry object was ~150 bytes (9 fields, two of them boxed
 * doubles), twenty of them per user most of the user side's memory and most of what the collector
 * marks. A slot number is valid until the history next changes order (touch). A history holds at most
 * a few dozen items, where a scan from the newest costs about what a hash lookup does.
 */
export class HistoryItems {
  private count = 0;
  private refs: Array<string | Follows> = [];
  private nums: number[] = [];

  get size(): number {
    return this.count;
  }

  /** The item's slot, -1 when the history does not hold it. */
  find(itemId: string): number {
    const refs = this.refs;
    // newest first: the item an event names is usually one of the last touched
    for (let k = this.count - 1; k >= 0; k--) if (refs[k * REFS] === itemId) return k;
    return -1;
  }

  has(itemId: string): boolean {
    return this.find(itemId) >= 0;
  }

  idAt(slot: number): string {
    return this.refs[slot * REFS] as string;
  }

  weightAt(slot: number): number {
    return this.nums[slot * STRIDE + WEIGHT];
  }

  /** history-entry.ts reads them. */
  flagsAt(slot: number): number {
    return this.nums[slot * STRIDE + TREND_FLAGS] % FLAG_SPAN;
  }

  trendMinuteAt(slot: number): number {
    return Math.floor(this.nums[slot * STRIDE + TREND_FLAGS] / FLAG_SPAN);
  }

  setTrendMinute(slot: number, minute: number): void {
    this.nums[slot * STRIDE + TREND_FLAGS] = minute * FLAG_SPAN + this.flagsAt(slot);
  }

  /** The minute of the slot's latest transition from `from`, -1 when it has none. */
  followMinute(slot: number, from: string): number {
    const follows = this.refs[slot * REFS + 1] as Follows;
    if (follows === null) return -1;
    if (typeof follows === 'string') return follows === from ? this.nums[slot * STRIDE + FOLLOW_MINUTE] : -1;
    for (let k = 0; k < follows.length; k += 2) if (follows[k] === from) return follows[k + 1] as number;
    return -1;
  }

  /**
   * Sets the minute of the slot's latest transition from `from`; beyond MAX_FOLLOWS_PER_ENTRY sources
   * the oldest after the first is forgotten (contributions.ts: it stays as anonymous aggregate).
   */
  setFollowMinute(slot: number, from: string, minute: number): void {
    const at = slot * REFS + 1;
    const follows = this.refs[at] as Follows;
    if (follows === null || follows === from) {
      this.refs[at] = from;
      this.nums[slot * STRIDE + FOLLOW_MINUTE] = minute;
      return;
    }
    if (typeof follows === 'string') {
      this.refs[at] = [follows, this.nums[slot * STRIDE + FOLLOW_MINUTE], from, minute];
      return;
    }
    for (let k = 0; k < follows.length; k += 2) {
      if (follows[k] !== from) continue;
      follows[k + 1] = minute;
      return;
    }
    follows.push(from, minute);
    if (follows.length > 2 * MAX_FOLLOWS_PER_ENTRY) follows.splice(2, 2);
  }

  /** The slot's followed-by sources as [from, minute] pairs, first seen first (cold paths). */
  followsAt(slot: number): Array<[string, number]> {
    const follows = this.refs[slot * REFS + 1] as Follows;
    if (follows === null) return [];
    if (typeof follows === 'string') return [[follows, this.nums[slot * STRIDE + FOLLOW_MINUTE]]];
    const out: Array<[string, number]> = [];
    for (let k = 0; k < follows.length; k += 2) out.push([follows[k] as string, follows[k + 1] as number]);
    return out;
  }

  /**
   * An event of `type` on the item, adding `delta` to its weight: the item becomes the most recent, a
   * new one evicting the least recent while more than `limit` (0 = no bound) are held. Returns the
   * item's slot.
   */
  touch(itemId: string, delta: number, type: EventType, limit: number): number {
    const found = this.find(itemId);
    if (found >= 0) {
      const slot = this.moveToNewest(found);
      const at = slot * STRIDE;
      const nums = this.nums;
      nums[at + WEIGHT] += delta;
      const flags = this.flagsAt(slot);
      nums[at + TREND_FLAGS] += flagsAfter(flags, type) - flags;
      return slot;
    }
    if (limit > 0 && this.count >= limit) this.removeOldest(this.count - limit + 1);
    return this.append(itemId, delta, firstFlags(type), 0, null, 0);
  }

  /** Appends an entry as the most recent (restoring a stored history, oldest first). */
  load(itemId: string, weight: number, flags: number, trendMinute: number, follows: ReadonlyArray<[string, number]>): void {
    const slot = this.append(itemId, weight, flags, trendMinute, null, 0);
    for (const [from, minute] of follows) this.setFollowMinute(slot, from, minute);
  }

  /** Multiplies every weight (forward-decay renormalisation). */
  scaleWeights(factor: number): void {
    const nums = this.nums;
    for (let at = WEIGHT; at < this.count * STRIDE; at += STRIDE) nums[at] *= factor;
  }

  /** Item ids, least recent first. */
  ids(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.count; k++) out.push(this.idAt(k));
    return out;
  }

  private append(itemId: string, weight: number, flags: number, trendMinute: number, follows: Follows, followMinute: number): number {
    const slot = this.count;
    if (slot * REFS === this.refs.length) this.grow();
    this.refs[slot * REFS] = itemId;
    this.refs[slot * REFS + 1] = follows;
    const at = slot * STRIDE;
    this.nums[at + WEIGHT] = weight;
    this.nums[at + TREND_FLAGS] = trendMinute * FLAG_SPAN + flags;
    this.nums[at + FOLLOW_MINUTE] = followMinute;
    this.count++;
    return slot;
  }

  private grow(): void {
    const slots = this.count + GROW_SLOTS;
    // arrays of exactly this size (a pushed array grows by half plus 16 slots), numbers unboxed
    const refs = new Array<string | Follows>(slots * REFS).fill(null);
    const nums = unboxedDoubles(slots * STRIDE);
    for (let k = 0; k < this.count * REFS; k++) refs[k] = this.refs[k];
    for (let k = 0; k < this.count * STRIDE; k++) nums[k] = this.nums[k];
    this.refs = refs;
    this.nums = nums;
  }

  /** Moves a slot to the newest end, the later ones down by one; returns its new slot. */
  private moveToNewest(slot: number): number {
    const last = this.count - 1;
    if (slot === last) return slot;
    const refs = this.refs;
    const nums = this.nums;
    const id = refs[slot * REFS];
    const follows = refs[slot * REFS + 1];
    const n0 = nums[slot * STRIDE];
    const n1 = nums[slot * STRIDE + 1];
    const n2 = nums[slot * STRIDE + 2];
    shiftDown(refs, slot * REFS, (slot + 1) * REFS, this.count * REFS);
    shiftDown(nums, slot * STRIDE, (slot + 1) * STRIDE, this.count * STRIDE);
    refs[last * REFS] = id;
    refs[last * REFS + 1] = follows;
    nums[last * STRIDE] = n0;
    nums[last * STRIDE + 1] = n1;
    nums[last * STRIDE + 2] = n2;
    return last;
  }

  private removeOldest(n: number): void {
    shiftDown(this.refs, 0, n * REFS, this.count * REFS);
    shiftDown(this.nums, 0, n * STRIDE, this.count * STRIDE);
    this.count -= n;
    // released slots hold no strings the history no longer names
    this.refs.fill(null, this.count * REFS, (this.count + n) * REFS);
  }
}

/** Copies list[from, end) to `to` (< from); a loop, which the columns' few slots make cheaper than copyWithin. */
function shiftDown<T>(list: T[], to: number, from: number, end: number): void {
  for (let k = from; k < end; k++) list[to + k - from] = list[k];
}
