import type { EventType } from '../events/types.js';
import { unboxedDoubles } from './doubles.js';
import { FLAG_SPAN, firstFlags, flagsAfter } from './history-entry.js';
import { ITEM_INDEX_SPAN, type ItemIds } from './item-ids.js';

/** Followed-by sources remembered per history entry. */
export const MAX_FOLLOWS_PER_ENTRY = 8;

/** A slot's numbers in `nums`, STRIDE apart. */
const STRIDE = 3;
const WEIGHT = 0;
/**
 * (trendMinute · FLAG_SPAN + flags) · FOLLOW_SPAN + follow code, exact in a double: whole minutes
 * since the epoch stay below 2^26 until 2097, so the head takes 31 bits and the code 22. The code
 * holds the minute of the slot's one followed-by source (its ITEMS number names it), as its distance
 * from the trend minute + FOLLOW_BIAS (1 .. FOLLOW_SPAN − 1; 0 = none); a minute farther than that
 * is kept in the list form of the sources instead.
 */
const PACKED = 1;
const FOLLOW_SPAN = 2 ** 22;
const FOLLOW_BIAS = 2 ** 21;
/**
 * item index · ITEM_INDEX_SPAN + source code, exact in a double (26 + 26 bits): the code is 0 for no
 * followed-by source, the one source's index + 1, or LISTED when the sources are in `listed`.
 */
const ITEMS = 2;
const LISTED = ITEM_INDEX_SPAN - 1;
/** Slots added when the columns are full: a history's columns stay within a few slots of its length. */
const GROW_SLOTS = 4;

/** What the histories of one model share: the table naming their items. */
export interface HistoryShared {
  readonly itemIds: ItemIds;
}

/**
 * One user's history entries, least recently touched first, in one column of numbers: per slot the
 * item (its index in the model's ItemIds), what the user did with it (weight r_ui in forward-decayed
 * units, the latest event's type, cart state; not when: no part of the model reads it, and recency is
 * in the order and the decayed weight) and what it added to shared item state (contributions.ts):
 * the minute of its latest trending count (0 = none) and of its latest followed-by transition from
 * each source. Whole minutes since the epoch are small integers.
 *
 * Numbers, not an object per entry or references: an entry object was ~150 bytes (9 fields, two of
 * them boxed doubles), and a reference per item and per source 8 bytes each besides the numbers. A
 * slot number is valid until the history next changes order (touch). A history holds at most a few
 * dozen items, where a scan from the newest costs about what a hash lookup does.
 */
export class HistoryItems<S extends HistoryShared = HistoryShared> {
  private count = 0;
  /** The owner's `head` numbers, then the slots' numbers. */
  private nums: number[];
  /**
   * The sources of slots with more than one, or with one too far in time for the code, by the slot's
   * item index: [source index, minute, …] in the order first seen. Null while there are none (most
   * histories).
   */
  private listed: Map<number, number[]> | null = null;

  /**
   * `head` numbers the owner keeps in front of the slots' (numberAt, setNumber; growHead), 0 at
   * first: an array fewer per user (an array costs ~50 bytes besides its elements).
   */
  constructor(
    protected readonly shared: S,
    private head = 0,
  ) {
    this.nums = head > 0 ? unboxedDoubles(head).fill(0) : [];
  }

  /** The owner's number `k` (< headSize). */
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
    if (size > this.head) this.relayout(size, (this.nums.length - this.head) / STRIDE);
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
    const ids = this.shared.itemIds;
    // the ids compared, not the table asked for an index: the filters of a list ask this of hundreds
    // of candidates, whose ids are mostly the very strings the table holds (compared as references),
    // and a scan of a few dozen slots costs less than a lookup in a Map of every id
    for (let k = this.count - 1; k >= 0; k--) if (ids.idAt(this.itemIndexAt(k)) === itemId) return k;
    return -1;
  }

  private findIndex(index: number): number {
    // newest first: the item an event names is usually one of the last touched
    for (let k = this.count - 1; k >= 0; k--) if (this.itemIndexAt(k) === index) return k;
    return -1;
  }

  has(itemId: string): boolean {
    return this.find(itemId) >= 0;
  }

  idAt(slot: number): string {
    return this.shared.itemIds.idAt(this.itemIndexAt(slot));
  }

  private itemIndexAt(slot: number): number {
    return Math.floor(this.nums[this.numAt(slot) + ITEMS] / ITEM_INDEX_SPAN);
  }

  private sourceCodeAt(slot: number): number {
    return this.nums[this.numAt(slot) + ITEMS] % ITEM_INDEX_SPAN;
  }

  private setSourceCode(slot: number, code: number): void {
    const at = this.numAt(slot) + ITEMS;
    this.nums[at] = this.nums[at] - (this.nums[at] % ITEM_INDEX_SPAN) + code;
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
    const source = this.sourceCodeAt(slot);
    const single = source !== 0 && source !== LISTED;
    const followMinute = single ? this.singleMinute(slot) : -1;
    this.nums[this.numAt(slot) + PACKED] = (minute * FLAG_SPAN + this.flagsAt(slot)) * FOLLOW_SPAN;
    // the one source's minute is kept relative to the trend minute: again from the new one
    if (single) this.setSingle(slot, source - 1, followMinute);
  }

  /** The minute of the slot's one source (its code). */
  private singleMinute(slot: number): number {
    return this.trendMinuteAt(slot) + this.codeAt(slot) - FOLLOW_BIAS;
  }

  /** Makes item `source` the slot's one source at `minute`: in the code when it fits, else listed. */
  private setSingle(slot: number, source: number, minute: number): void {
    const code = minute - this.trendMinuteAt(slot) + FOLLOW_BIAS;
    const at = this.numAt(slot) + PACKED;
    this.nums[at] -= this.codeAt(slot);
    if (code > 0 && code < FOLLOW_SPAN) {
      this.setSourceCode(slot, source + 1);
      this.nums[at] += code;
    } else {
      this.setSourceCode(slot, LISTED);
      this.listedMap().set(this.itemIndexAt(slot), [source, minute]);
    }
  }

  private listedMap(): Map<number, number[]> {
    this.listed ??= new Map();
    return this.listed;
  }

  /** The listed sources of a slot whose code is LISTED. */
  private listedAt(slot: number): number[] {
    return this.listed?.get(this.itemIndexAt(slot)) as number[];
  }

  /** The minute of the slot's latest transition from `from`, -1 when it has none. */
  followMinute(slot: number, from: string): number {
    const source = this.sourceCodeAt(slot);
    if (source === 0) return -1;
    const index = this.shared.itemIds.indexOf(from);
    if (index < 0) return -1;
    if (source !== LISTED) return source - 1 === index ? this.singleMinute(slot) : -1;
    const listed = this.listedAt(slot);
    for (let k = 0; k < listed.length; k += 2) if (listed[k] === index) return listed[k + 1];
    return -1;
  }

  /**
   * Sets the minute of the slot's latest transition from `from`; beyond MAX_FOLLOWS_PER_ENTRY sources
   * the oldest after the first is forgotten (contributions.ts: it stays as anonymous aggregate).
   */
  setFollowMinute(slot: number, from: string, minute: number): void {
    const index = this.shared.itemIds.intern(from);
    const source = this.sourceCodeAt(slot);
    if (source === 0 || (source !== LISTED && source - 1 === index)) {
      this.setSingle(slot, index, minute);
      return;
    }
    if (source !== LISTED) {
      const first = this.singleMinute(slot);
      this.nums[this.numAt(slot) + PACKED] -= this.codeAt(slot);
      this.setSourceCode(slot, LISTED);
      this.listedMap().set(this.itemIndexAt(slot), [source - 1, first, index, minute]);
      return;
    }
    const listed = this.listedAt(slot);
    for (let k = 0; k < listed.length; k += 2) {
      if (listed[k] !== index) continue;
      listed[k + 1] = minute;
      return;
    }
    listed.push(index, minute);
    if (listed.length > 2 * MAX_FOLLOWS_PER_ENTRY) listed.splice(2, 2);
  }

  /** The slot's followed-by sources as [from, minute] pairs, first seen first (cold paths). */
  followsAt(slot: number): Array<[string, number]> {
    const source = this.sourceCodeAt(slot);
    const ids = this.shared.itemIds;
    if (source === 0) return [];
    if (source !== LISTED) return [[ids.idAt(source - 1), this.singleMinute(slot)]];
    const listed = this.listedAt(slot);
    const out: Array<[string, number]> = [];
    for (let k = 0; k < listed.length; k += 2) out.push([ids.idAt(listed[k]), listed[k + 1]]);
    return out;
  }

  /**
   * An event of `type` on the item, adding `delta` to its weight: the item becomes the most recent, a
   * new one evicting the least recent while more than `limit` (0 = no bound) are held. Returns the
   * item's slot.
   */
  touchItem(itemId: string, delta: number, type: EventType, limit: number): number {
    const index = this.shared.itemIds.intern(itemId);
    const found = this.findIndex(index);
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
    return this.append(index, delta, firstFlags(type), 0);
  }

  /** Appends an entry as the most recent (restoring a stored history, oldest first). */
  load(itemId: string, weight: number, flags: number, trendMinute: number, follows: ReadonlyArray<[string, number]>): void {
    const slot = this.append(this.shared.itemIds.intern(itemId), weight, flags, trendMinute);
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

  /** Marks the index of every item the history names (ItemIds.sweep). */
  markItems(mark: (index: number) => void): void {
    for (let slot = 0; slot < this.count; slot++) {
      mark(this.itemIndexAt(slot));
      const source = this.sourceCodeAt(slot);
      if (source === 0) continue;
      if (source !== LISTED) {
        mark(source - 1);
        continue;
      }
      const listed = this.listedAt(slot);
      for (let k = 0; k < listed.length; k += 2) mark(listed[k]);
    }
  }

  private append(index: number, weight: number, flags: number, trendMinute: number): number {
    const slot = this.count;
    if (this.numAt(slot) >= this.nums.length) this.grow();
    const at = this.numAt(slot);
    this.nums[at + WEIGHT] = weight;
    this.nums[at + PACKED] = (trendMinute * FLAG_SPAN + flags) * FOLLOW_SPAN;
    this.nums[at + ITEMS] = index * ITEM_INDEX_SPAN;
    this.count++;
    return slot;
  }

  private grow(): void {
    this.relayout(this.head, this.count + GROW_SLOTS);
  }

  /** New numbers for a head of `head` (≥ the current one; new head numbers 0) and room for `slots` slots. */
  private relayout(head: number, slots: number): void {
    const old = this.nums;
    // an array of exactly this size (a pushed array grows by half plus 16 slots), numbers unboxed
    const nums = unboxedDoubles(head + slots * STRIDE);
    for (let k = 0; k < this.head; k++) nums[k] = old[k];
    for (let k = this.head; k < head; k++) nums[k] = 0;
    const used = this.count * STRIDE;
    for (let k = 0; k < used; k++) nums[head + k] = old[this.head + k];
    this.nums = nums;
    this.head = head;
  }

  /** Moves a slot to the newest end, the later ones down by one; returns its new slot. */
  private moveToNewest(slot: number): number {
    const last = this.count - 1;
    if (slot === last) return slot;
    const nums = this.nums;
    const at = this.numAt(slot);
    const weight = nums[at + WEIGHT];
    const packed = nums[at + PACKED];
    const items = nums[at + ITEMS];
    shiftDown(nums, at, this.numAt(slot + 1), this.numAt(this.count));
    const to = this.numAt(last);
    nums[to + WEIGHT] = weight;
    nums[to + PACKED] = packed;
    nums[to + ITEMS] = items;
    return last;
  }

  private removeOldest(n: number): void {
    const listed = this.listed;
    if (listed !== null) {
      for (let slot = 0; slot < n; slot++) if (this.sourceCodeAt(slot) === LISTED) listed.delete(this.itemIndexAt(slot));
      if (listed.size === 0) this.listed = null;
    }
    shiftDown(this.nums, this.head, this.numAt(n), this.numAt(this.count));
    this.count -= n;
  }
}

/** Copies list[from, end) to `to` (< from); a loop, which the columns' few slots make cheaper than copyWithin. */
function shiftDown<T>(list: T[], to: number, from: number, end: number): void {
  for (let k = from; k < end; k++) list[to + k - from] = list[k];
}
