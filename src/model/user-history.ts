import type { EventType } from '../events/types.js';
import { EventIds } from './event-ids.js';
import { flagsOf, isInCart, lastTypeOf, wasPurchased } from './history-entry.js';
import { HistoryItems } from './history-items.js';

/** Recency / frequency / monetary statistics of a user's orders. */
export interface Rfm {
  orders: number;
  totalValue: number;
  lastOrderTime: number;
  lastOrderValue: number;
}

export type HistoryEntryJson = [
  itemId: string,
  weight: number,
  lastTime: number,
  lastType: EventType,
  inCart: boolean,
  purchased: boolean,
  trendMinute: number,
  follows: Array<[string, number]>,
];

export interface UserHistoryJson {
  items: HistoryEntryJson[];
  purchased: Array<[string, number]>;
  /** 64-bit hashes of the last event and order ids, base64 (event-ids.ts). */
  recentIds: string;
  lastTime: number;
  session: { id: string | null; lastTime: number; items: string[] };
  rfm: Rfm;
  spend: { sum: number; count: number };
}

/** Without a sessionId, a gap this long starts a new session. */
export const SESSION_GAP_MS = 30 * 60_000;
/** Items remembered per session for followed-by transitions. */
const SESSION_ITEMS = 5;
/** Purchased items remembered per user for the excludePurchased filter. */
const PURCHASED_LIMIT = 1000;
const NO_PURCHASES: ReadonlyMap<string, number> = new Map();

/**
 * One user's bounded state: the `historyLength` most recently touched distinct items (least recent
 * first, so eviction is O(1)), purchased items, the last `dedupLength` event/order ids, the current
 * session, RFM statistics and average spend per item.
 */
export class UserHistory {
  readonly items = new HistoryItems();
  /** Null until the first purchase: most users never buy, and an empty Map costs ~170 bytes. */
  private purchasedItems: Map<string, number> | null = null;
  private recentIds: EventIds;
  lastTime = 0;
  session: { id: string | null; lastTime: number; items: string[] } = { id: null, lastTime: 0, items: [] };
  rfm: Rfm = { orders: 0, totalValue: 0, lastOrderTime: 0, lastOrderValue: 0 };
  spend = { sum: 0, count: 0 };

  constructor(
    readonly historyLength: number,
    readonly dedupLength: number,
  ) {
    this.recentIds = new EventIds(dedupLength);
  }

  get dedupSize(): number {
    return this.recentIds.size;
  }

  /** True when this id (eventId or `order:<orderId>`) was already applied. */
  hasId(id: string): boolean {
    return this.recentIds.has(id);
  }

  rememberId(id: string): void {
    this.recentIds.add(id);
  }

  /**
   * Adds `delta` to the item's weight and makes it the most recent, evicting the least recent to keep
   * the history bounded; returns the item's slot in `items`.
   */
  touch(itemId: string, delta: number, time: number, type: EventType): number {
    return this.items.touch(itemId, delta, time, type, this.historyLength);
  }

  /** Purchased items and when, least recent first (the excludePurchased filter reads it). */
  get purchased(): ReadonlyMap<string, number> {
    return this.purchasedItems ?? NO_PURCHASES;
  }

  markPurchased(itemId: string, time: number): void {
    const purchased = (this.purchasedItems ??= new Map());
    purchased.delete(itemId);
    purchased.set(itemId, time);
    if (purchased.size > PURCHASED_LIMIT) purchased.delete(purchased.keys().next().value as string);
  }

  /**
   * Advances the session for an event and returns the items seen earlier in the same session, most
   * recent first (before this event's item is added).
   */
  advanceSession(sessionId: string | null | undefined, time: number): string[] {
    this.enterSession(sessionId, time);
    return [...this.session.items].reverse();
  }

  /** advanceSession without building its result. */
  enterSession(sessionId: string | null | undefined, time: number): void {
    const id = sessionId ?? null;
    const sameSession =
      this.session.items.length > 0 &&
      (id !== null
        ? id === this.session.id
        : this.session.id === null && time - this.session.lastTime <= SESSION_GAP_MS && time >= this.session.lastTime - SESSION_GAP_MS);
    if (!sameSession) this.session = { id, lastTime: time, items: [] };
    this.session.lastTime = Math.max(this.session.lastTime, time);
  }

  addToSession(itemId: string): void {
    const items = this.session.items;
    const at = items.indexOf(itemId);
    const keep = items.filter((_, k) => k !== at);
    keep.push(itemId);
    // a new array of exactly its length: push would grow a held one to 17 slots for at most 5 items
    this.session.items = keep.length > SESSION_ITEMS ? keep.slice(keep.length - SESSION_ITEMS) : keep.slice();
  }

  /** Multiplies every weight (forward-decay renormalisation). */
  scale(factor: number): void {
    this.items.scaleWeights(factor);
  }

  /** Average price of the items the user bought or looked at with a known price (0 if none). */
  averageSpend(): number {
    return this.spend.count > 0 ? this.spend.sum / this.spend.count : 0;
  }

  toJSON(): UserHistoryJson {
    const items: UserHistoryJson['items'] = [];
    const h = this.items;
    for (let k = 0; k < h.size; k++) {
      const flags = h.flagsAt(k);
      items.push([
        h.idAt(k),
        h.weightAt(k),
        h.lastTimeAt(k),
        lastTypeOf(flags),
        isInCart(flags),
        wasPurchased(flags),
        h.trendMinuteAt(k),
        h.followsAt(k),
      ]);
    }
    return {
      items,
      purchased: [...this.purchased],
      recentIds: this.recentIds.toJSON(),
      lastTime: this.lastTime,
      session: { id: this.session.id, lastTime: this.session.lastTime, items: [...this.session.items] },
      rfm: { ...this.rfm },
      spend: { ...this.spend },
    };
  }

  static fromJSON(historyLength: number, dedupLength: number, json: UserHistoryJson): UserHistory {
    const h = new UserHistory(historyLength, dedupLength);
    for (const [id, weight, lastTime, lastType, inCart, purchased, trendMinute, follows] of json.items) {
      h.items.load(id, weight, lastTime, flagsOf(lastType, inCart, purchased), trendMinute, follows);
    }
    if (json.purchased.length > 0) h.purchasedItems = new Map(json.purchased);
    h.recentIds = EventIds.fromJSON(dedupLength, json.recentIds);
    h.lastTime = json.lastTime;
    h.session = { id: json.session.id, lastTime: json.session.lastTime, items: [...json.session.items] };
    h.rfm = { ...json.rfm };
    h.spend = { ...json.spend };
    return h;
  }
}
