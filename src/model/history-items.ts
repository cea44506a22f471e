import type { EventType } from '../events/types.js';
import { unboxedDoubles } from './doubles.js';
import { FLAG_SPAN, firstFlags, flagsAfter } from './history-entry.js';

/** Followed-by sources remembered per history entry. */
export const MAX_FOLLOWS_PER_ENTRY = 8;

/** A slot's numbers in `nums`, STRIDE apart. */
const STRIDE = 2;
const WEIGHT = 0;
/**
 * (trendMinute · FLAG_SPAN + flags) · FOLLOW_SPAN + follow code, exact in a double: whole minutes
 * since the epoch stay below 2^26 until 2097, so the head takes 31 bits and the code 22. The code
 * holds the minute of the one followed-by source a slot names by a string in `refs`, as its distance
 * from the trend minute + FOLLOW_BIAS (1 .. FOLLOW_SPAN − 1; 0 = none); a minute farther than that
 * is kept in the array form of the sources instead.
 */
const PACKED = 1;
const FOLLOW_SPAN = 2 ** 22;
const FOLLOW_BIAS = 2 ** 21;
/** A slot's references in `refs`: its item id, then its followed-by sources. */
const REFS = 2;
/** Slots added when the columns are full: a history's columns stay within a few slots of its length. */
const GROW_SLOTS = 4;

/**
 * A slot's followed-by sources: none, one (its minute in the slot's packed number; most entries have one), or
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
  /** The owner's `head` numbers, then the slots' numbers. */
  private nums: number[];

  /**
   * `head` numbers and `refHead` references the owner keeps in front of the slots' (numberAt,
   * setNumber; referenceAt, setReference), 0 and null at first: two arrays fewer per user (an array
   * costs ~50 bytes besides its elements).
   */
  constructor(
    private head = 0,
    private readonly refHead = 0,
  ) {
    this.nums = head > 0 ? unboxedDoubles(head).fill(0) : [];
    if (refHead > 0) this.refs = new Array<string | Follows>(refHead).fill(null);
  }

  /** The owner's reference `k` (< refHead). */
  referenceAt(k: number): string | null {
    return this.refs[k] as string | null;
  }

  setReference(k: number, value: string | null): void {
    this.refs[k] = value;
  }

  /** Where slot `slot`'s references start in `refs`. */
  private refAt(slot: number): number {
    return this.refHead + slot * REFS;
  }

  /** The owner's number `k` (< head). */
  numberAt(k: number): number {
    return this.nums[k];
  }

  setNumber(k: number, value: number): void {
    this.nums[k] = value;
  }

  /** The last k in [from, to) with numberAt(k) === value, -1 when none (the owner's numbers scanned in place). */
  lastIndexOfNumber(value: number, from: number, to: number): number {
    const nums = this.nums;
    for (let k = to - 1; k >= from; k--) if (nums[k] === value) return k;
    return -1;
  }

  /** How many numbers the owner keeps in front of the slots'. */
  get headSize(): number {
    return this.head;
  }

  /** Makes room for `size` (> headSize) numbers in front of the slots': the new ones are 0. */
  growHead(size: number): void {
    const extra = size - this.head;
    if (extra <= 0) return;
    const old = this.nums;
    const nums = unboxedDoubles(old.length + extra);
    for (let k = 0; k < this.head; k++) nums[k] = old[k];
    for (let k = this.head; k < size; k++) nums[k] = 0;
    for (let k = this.head; k < old.length; k++) nums[k + extra] = old[k];
    this.nums = nums;
    this.head = size;
  }

  /** Where slot `slot`'s numbers start in `nums`. */
  private numAt(slot: number): number {
    return this.head + slot * STRIDE;
  }

  get size(): number {
    return this.count;
  }

  /** The item's slot, -1 when the history does not hold it. */
  find(itemId: string): number {
    const refs = this.refs;
    // newest first: the item an event names is usually one of the last touched
    for (let k = this.count - 1; k >= 0; k--) if (refs[this.refAt(k)] === itemId) return k;
    return -1;
  }

  has(itemId: string): boolean {
    return this.find(itemId) >= 0;
  }

  idAt(slot: number): string {
    return this.refs[this.refAt(slot)] as string;
  }

  weightAt(slot: number): number {
    return this.nums[this.numAt(slot) + WEIGHT];
  }

  /** (trendMinute · FLAG_SPAN + flags) of the slot. */
  private trendFlagsAt(slot: number): number {
    return Math.floor(this.nums[this.numAt(slot) + PACKED] / FOLLOW_SPAN);
  }

  private codeAt(slot: number): number {
    return this.nums[this.numAt(slot) + PACKED] % FOLLOW_SPAN;
  }

  /** history-entry.ts reads them. */
  flagsAt(slot: number): number {
    return this.trendFlagsAt(slot) % FLAG_SPAN;
  }

  trendMinuteAt(slot: number): number {
    return Math.floor(this.trendFlagsAt(slot) / FLAG_SPAN);
  }

  setTrendMinute(slot: number, minute: number): void {
    const single = this.refs[this.refAt(slot) + 1];
    const followMinute = typeof single === 'string' ? this.singleMinute(slot) : -1;
    this.nums[this.numAt(slot) + PACKED] = (minute * FLAG_SPAN + this.flagsAt(slot)) * FOLLOW_SPAN;
    // the one source's minute is kept relative to the trend minute: again from the new one
    if (typeof single === 'string') this.setSingle(slot, single, followMinute);
  }

  /** The minute of the one source a slot names by a string. */
  private singleMinute(slot: number): number {
    return this.trendMinuteAt(slot) + this.codeAt(slot) - FOLLOW_BIAS;
  }

  /** Makes `from` the slot's one source at `minute`: in the code when it fits, else in the array form. */
  private setSingle(slot: number, from: string, minute: number): void {
    const code = minute - this.trendMinuteAt(slot) + FOLLOW_BIAS;
    const at = this.numAt(slot) + PACKED;
    this.nums[at] -= this.codeAt(slot);
    if (code > 0 && code < FOLLOW_SPAN) {
      this.refs[this.refAt(slot) + 1] = from;
      this.nums[at] += code;
    } else {
      this.refs[this.refAt(slot) + 1] = [from, minute];
    }
  }

  /** The minute of the slot's latest transition from `from`, -1 when it has none. */
  followMinute(slot: number, from: string): number {
    const follows = this.refs[this.refAt(slot) + 1] as Follows;
    if (follows === null) return -1;
    if (typeof follows === 'string') return follows === from ? this.singleMinute(slot) : -1;
    for (let k = 0; k < follows.length; k += 2) if (follows[k] === from) return follows[k + 1] as number;
    return -1;
  }

  /**
   * Sets the minute of the slot's latest transition from `from`; beyond MAX_FOLLOWS_PER_ENTRY sources
   * the oldest after the first is forgotten (contributions.ts: it stays as anonymous aggregate).
   */
  setFollowMinute(slot: number, from: string, minute: number): void {
    const at = this.refAt(slot) + 1;
    const follows = this.refs[at] as Follows;
    if (follows === null || follows === from) {
      this.setSingle(slot, from, minute);
      return;
    }
    if (typeof follows === 'string') {
      const first = this.singleMinute(slot);
      this.nums[this.numAt(slot) + PACKED] -= this.codeAt(slot);
      this.refs[at] = [follows, first, from, minute];
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
    const follows = this.refs[this.refAt(slot) + 1] as Follows;
    if (follows === null) return [];
    if (typeof follows === 'string') return [[follows, this.singleMinute(slot)]];
    const out: Array<[string, number]> = [];
    for (let k = 0; k < follows.length; k += 2) out.push([follows[k] as string, follows[k + 1] as number]);
    return out;
  }

  /**
   * An event of `type` on the item, adding `delta` to its weight: the item becomes the most recent, a
   * new one evicting the least recent while more than `limit` (0 = no bound) are held. Returns the
   * item's slot.
   */
  touchItem(itemId: string, delta: number, type: EventType, limit: number): number {
    const found = this.find(itemId);
    if (found >= 0) {
      const slot = this.moveToNewest(found);
      const at = this.numAt(slot);
      const nums = this.nums;
      nums[at + WEIGHT] += delta;
      const flags = this.flagsAt(slot);
      nums[at + PACKED] += (flagsAfter(flags, type) - flags) * FOLLOW_SPAN;
      return slot;
    }
    if (limit > 0 && this.count >= limit) this.removeOldest(this.count - limit + 1);
    return this.append(itemId, delta, firstFlags(type), 0);
  }

  /** Appends an entry as the most recent (restoring a stored history, oldest first). */
  load(itemId: string, weight: number, flags: number, trendMinute: number, follows: ReadonlyArray<[string, number]>): void {
    const slot = this.append(itemId, weight, flags, trendMinute);
    for (const [from, minute] of follows) this.setFollowMinute(slot, from, minute);
  }

  /** Multiplies every weight (forward-decay renormalisation). */
  scaleWeights(factor: number): void {
    const nums = this.nums;
    for (let at = this.numAt(0) + WEIGHT; at < this.numAt(this.count); at += STRIDE) nums[at] *= factor;
  }

  /** Item ids, least recent first. */
  ids(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.count; k++) out.push(this.idAt(k));
    return out;
  }

  private append(itemId: string, weight: number, flags: number, trendMinute: number): number {
    const slot = this.count;
    if (this.refAt(slot) === this.refs.length) this.grow();
    this.refs[this.refAt(slot)] = itemId;
    this.refs[this.refAt(slot) + 1] = null;
    const at = this.numAt(slot);
    this.nums[at + WEIGHT] = weight;
    this.nums[at + PACKED] = (trendMinute * FLAG_SPAN + flags) * FOLLOW_SPAN;
    this.count++;
    return slot;
  }

  private grow(): void {
    const slots = this.count + GROW_SLOTS;
    // arrays of exactly this size (a pushed array grows by half plus 16 slots), numbers unboxed
    const refs = new Array<string | Follows>(this.refAt(slots)).fill(null);
    const nums = unboxedDoubles(this.numAt(slots));
    for (let k = 0; k < this.refAt(this.count); k++) refs[k] = this.refs[k];
    for (let k = 0; k < this.numAt(this.count); k++) nums[k] = this.nums[k];
    this.refs = refs;
    this.nums = nums;
  }

  /** Moves a slot to the newest end, the later ones down by one; returns its new slot. */
  private moveToNewest(slot: number): number {
    const last = this.count - 1;
    if (slot === last) return slot;
    const refs = this.refs;
    const nums = this.nums;
    const id = refs[this.refAt(slot)];
    const follows = refs[this.refAt(slot) + 1];
    const n0 = nums[this.numAt(slot)];
    const n1 = nums[this.numAt(slot) + 1];
    shiftDown(refs, this.refAt(slot), this.refAt(slot + 1), this.refAt(this.count));
    shiftDown(nums, this.numAt(slot), this.numAt(slot + 1), this.numAt(this.count));
    refs[this.refAt(last)] = id;
    refs[this.refAt(last) + 1] = follows;
    nums[this.numAt(last)] = n0;
    nums[this.numAt(last) + 1] = n1;
    return last;
  }

  private removeOldest(n: number): void {
    shiftDown(this.refs, this.refHead, this.refAt(n), this.refAt(this.count));
    shiftDown(this.nums, this.head, this.numAt(n), this.numAt(this.count));
    this.count -= n;
    // released slots hold no strings the history no longer names
    this.refs.fill(null, this.refAt(this.count), this.refAt(this.count + n));
  }
}

/** Copies list[from, end) to `to` (< from); a loop, which the columns' few slots make cheaper than copyWithin. */
function shiftDown<T>(list: T[], to: number, from: number, end: number): void {
  for (let k = from; k < end; k++) list[to + k - from] = list[k];
}
