import { EVENT_TYPES, type EventType } from '../events/types.js';

/** HistoryEntry.flags: the last event type's index in EVENT_TYPES, and two bits of cart state. */
const TYPE_BITS = 0b111;
const IN_CART = 0b1000;
const PURCHASED = 0b10000;

/** What a user did with one item: `weight` is r_ui in forward-decayed units. */
export interface HistoryEntry {
  readonly itemId: string;
  /** The model's cached pointer to the item's state (not serialised; rebuilt on demand). */
  peer: object | undefined;
  weight: number;
  lastTime: number;
  /**
   * The last event type, whether the item is in the cart and whether it was ever bought, in one small
   * integer (lastTypeOf, isInCart, wasPurchased): three fields were 16 bytes more per entry.
   */
  flags: number;
  /**
   * What this entry added to shared item state (contributions.ts), kept so an erasure can take it back.
   * Times are whole minutes since the epoch (small integers, stored unboxed): the minute of the latest
   * trending count (0 = none), and of the latest followed-by transition into this item from each
   * source, the first inline (most entries have one), any others flat in moreFollows [from, minute, …].
   */
  trendMinute: number;
  followFrom: string | null;
  followMinute: number;
  moreFollows: Array<string | number> | null;
}

/** The entry's followed-by contributions as [from, minute] pairs (cold paths: erasure, JSON, digest). */
export function followsOf(entry: HistoryEntry): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (entry.followFrom !== null) out.push([entry.followFrom, entry.followMinute]);
  const more = entry.moreFollows;
  if (more !== null) for (let k = 0; k < more.length; k += 2) out.push([more[k] as string, more[k + 1] as number]);
  return out;
}

export const lastTypeOf = (entry: HistoryEntry): EventType => EVENT_TYPES[entry.flags & TYPE_BITS];
export const isInCart = (entry: HistoryEntry): boolean => (entry.flags & IN_CART) !== 0;
export const wasPurchased = (entry: HistoryEntry): boolean => (entry.flags & PURCHASED) !== 0;

export function flagsOf(lastType: EventType, inCart: boolean, purchased: boolean): number {
  return EVENT_TYPES.indexOf(lastType) | (inCart ? IN_CART : 0) | (purchased ? PURCHASED : 0);
}

/** An event of `type` on the entry's item: its last type, and the cart put in or emptied, a purchase kept. */
export function recordType(entry: HistoryEntry, type: EventType): void {
  let inCart = isInCart(entry);
  if (type === 'add_to_cart') inCart = true;
  else if (type === 'remove_from_cart' || type === 'purchase') inCart = false;
  entry.flags = flagsOf(type, inCart, wasPurchased(entry) || type === 'purchase');
}

/** A new entry: the first interaction with an item (an event of `lastType`), nothing contributed yet. */
export function newEntry(itemId: string, weight: number, lastTime: number, lastType: EventType): HistoryEntry {
  return {
    itemId,
    peer: undefined,
    weight,
    lastTime,
    flags: flagsOf(lastType, lastType === 'add_to_cart', lastType === 'purchase'),
    trendMinute: 0,
    followFrom: null,
    followMinute: 0,
    moreFollows: null,
  };
}
