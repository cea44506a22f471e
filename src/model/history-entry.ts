import type { EventType } from '../events/types.js';

/** What a user did with one item: `weight` is r_ui in forward-decayed units. */
export interface HistoryEntry {
  readonly itemId: string;
  /** The model's cached pointer to the item's state (not serialised; rebuilt on demand). */
  peer: object | undefined;
  weight: number;
  lastTime: number;
  lastType: EventType;
  inCart: boolean;
  purchased: boolean;
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

/** A new entry: the first interaction with an item, nothing contributed yet. */
export function newEntry(itemId: string, weight: number, lastTime: number, lastType: EventType): HistoryEntry {
  return {
    itemId,
    peer: undefined,
    weight,
    lastTime,
    lastType,
    inCart: false,
    purchased: false,
    trendMinute: 0,
    followFrom: null,
    followMinute: 0,
    moreFollows: null,
  };
}
