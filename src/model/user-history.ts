import type { EventType } from '../events/types.js';
import { eventIds } from './event-ids.js';
import { flagsOf, isInCart, lastTypeOf, wasPurchased } from './history-entry.js';
import { HistoryItems, type HistoryShared } from './history-items.js';
import { ItemIds } from './item-ids.js';

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
  /** No longer kept (no part of the model read it): written 0, ignored when read. */
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
 * A user's numbers, in front of its history's numbers (HistoryItems' head): each a double in place,
 * where an object's number field is boxed, and no array of their own.
 */
const LAST_TIME = 0;
const SESSION_LAST_TIME = 1;
const ORDERS = 2;
const TOTAL_VALUE = 3;
const LAST_ORDER_TIME = 4;
const LAST_ORDER_VALUE = 5;
const SPEND_SUM = 6;
const SPEND_COUNT = 7;
/** SESSION_ITEMS numbers: the session's items (item index + 1; 0 after the last), least recent first. */
const SESSION = 8;
/** How many event-id keys follow it, to the end of the head (event-ids.ts). */
const ID_COUNT = SESSION + SESSION_ITEMS;
const FIGURES = ID_COUNT + 1;

/** What the users of one model share: their bounds and the table naming their items. */
export interface UserContext extends HistoryShared {
  readonly historyLength: number;
  readonly dedupLength: number;
}

/** A context for users of these bounds, with a table of item ids of its own. */
export function userContext(historyLength: number, dedupLength: number): UserContext {
  return { historyLength, dedupLength, itemIds: new ItemIds() };
}

/**
 * One user's bounded state: the `historyLength` most recently touched distinct items (least recent
 * first, so eviction is O(1)), purchased items, the last `dedupLength` event/order ids, the current
 * session, RFM statistics and average spend per item.
 */
export class UserHistory extends HistoryItems<UserContext> {
  /** Null until the first purchase: most users never buy, and an empty Map costs ~170 bytes. */
  private purchasedItems: Map<string, number> | null = null;
  private sessionId: string | null = null;

  constructor(context: UserContext) {
    super(context, FIGURES);
  }

  /**
   * Its history: the user is its own history's columns (one object a user, not two), with the
   * user's numbers, the session's items, then its recent event ids' keys in front.
   */
  get items(): HistoryItems {
    return this;
  }

  get historyLength(): number {
    return this.shared.historyLength;
  }

  get dedupLength(): number {
    return this.shared.dedupLength;
  }

  /** Time of the user's latest event. */
  get lastTime(): number {
    return this.numberAt(LAST_TIME);
  }

  set lastTime(time: number) {
    this.setNumber(LAST_TIME, time);
  }

  /** The user's order statistics (a copy). */
  get rfm(): Rfm {
    return {
      orders: this.numberAt(ORDERS),
      totalValue: this.numberAt(TOTAL_VALUE),
      lastOrderTime: this.numberAt(LAST_ORDER_TIME),
      lastOrderValue: this.numberAt(LAST_ORDER_VALUE),
    };
  }

  set rfm(rfm: Rfm) {
    this.setNumber(ORDERS, rfm.orders);
    this.setNumber(TOTAL_VALUE, rfm.totalValue);
    this.setNumber(LAST_ORDER_TIME, rfm.lastOrderTime);
    this.setNumber(LAST_ORDER_VALUE, rfm.lastOrderValue);
  }

  get orders(): number {
    return this.numberAt(ORDERS);
  }

  /** An order of `value` at `time` joins the statistics. */
  addOrder(value: number, time: number): void {
    this.setNumber(ORDERS, this.numberAt(ORDERS) + 1);
    this.setNumber(TOTAL_VALUE, this.numberAt(TOTAL_VALUE) + value);
    this.setNumber(LAST_ORDER_TIME, Math.max(this.numberAt(LAST_ORDER_TIME), time));
    this.setNumber(LAST_ORDER_VALUE, value);
  }

  /** An item of `price` bought or put in the cart. */
  addSpend(price: number): void {
    this.setNumber(SPEND_SUM, this.numberAt(SPEND_SUM) + price);
    this.setNumber(SPEND_COUNT, this.numberAt(SPEND_COUNT) + 1);
  }

  get dedupSize(): number {
    return eventIds.size(this, ID_COUNT);
  }

  /** True when this id (eventId or `order:<orderId>`) was already applied. */
  hasId(id: string): boolean {
    return eventIds.has(this, ID_COUNT, id);
  }

  rememberId(id: string): void {
    eventIds.add(this, ID_COUNT, this.dedupLength, id);
  }

  /**
   * Adds `delta` to the item's weight and makes it the most recent, evicting the least recent to keep
   * the history bounded; returns the item's slot in `items`.
   */
  touch(itemId: string, delta: number, type: EventType): number {
    return this.touchItem(itemId, delta, type, this.historyLength);
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
    return this.sessionList().reverse();
  }

  /** Items of the current session (≤ SESSION_ITEMS). */
  get sessionSize(): number {
    let n = 0;
    while (n < SESSION_ITEMS && this.numberAt(SESSION + n) !== 0) n++;
    return n;
  }

  /** The current session's item `k`, least recent first (k < sessionSize). */
  sessionItemAt(k: number): string {
    return this.shared.itemIds.idAt((this.numberAt(SESSION + k) - 1) | 0);
  }

  private sessionList(): string[] {
    const out: string[] = [];
    const size = this.sessionSize;
    for (let k = 0; k < size; k++) out.push(this.sessionItemAt(k));
    return out;
  }

  /** advanceSession without building its result. */
  enterSession(sessionId: string | null | undefined, time: number): void {
    const id = sessionId ?? null;
    const last = this.numberAt(SESSION_LAST_TIME);
    const sameSession =
      this.sessionSize > 0 &&
      (id !== null ? id === this.sessionId : this.sessionId === null && time - last <= SESSION_GAP_MS && time >= last - SESSION_GAP_MS);
    if (!sameSession) {
      this.sessionId = id;
      for (let k = 0; k < SESSION_ITEMS; k++) this.setNumber(SESSION + k, 0);
      this.setNumber(SESSION_LAST_TIME, time);
    } else if (time > last) this.setNumber(SESSION_LAST_TIME, time);
  }

  /** The item becomes the session's latest (once; the least recent beyond SESSION_ITEMS goes). */
  addToSession(itemId: string): void {
    const code = this.shared.itemIds.intern(itemId) + 1;
    let n = this.sessionSize;
    let at = 0;
    while (at < n && this.numberAt(SESSION + at) !== code) at++;
    // the item itself, or the least recent when full, leaves: the later ones move down
    const from = at < n ? at : n === SESSION_ITEMS ? 0 : n;
    for (let k = from; k + 1 < n; k++) this.setNumber(SESSION + k, this.numberAt(SESSION + k + 1));
    if (from < n) n--;
    this.setNumber(SESSION + n, code);
  }

  /** Marks the index of every item the user names (ItemIds.sweep). */
  override markItems(mark: (index: number) => void): void {
    super.markItems(mark);
    const size = this.sessionSize;
    for (let k = 0; k < size; k++) mark((this.numberAt(SESSION + k) - 1) | 0);
  }

  /** Multiplies every weight (forward-decay renormalisation). */
  scale(factor: number): void {
    this.scaleWeights(factor);
  }

  /** Average price of the items the user bought or looked at with a known price (0 if none). */
  averageSpend(): number {
    const count = this.numberAt(SPEND_COUNT);
    return count > 0 ? this.numberAt(SPEND_SUM) / count : 0;
  }

  toJSON(): UserHistoryJson {
    const items: UserHistoryJson['items'] = [];
    for (let k = 0; k < this.size; k++) {
      const flags = this.flagsAt(k);
      items.push([
        this.idAt(k),
        this.weightAt(k),
        0,
        lastTypeOf(flags),
        isInCart(flags),
        wasPurchased(flags),
        this.trendMinuteAt(k),
        this.followsAt(k),
      ]);
    }
    return {
      items,
      purchased: [...this.purchased],
      recentIds: eventIds.toJSON(this, ID_COUNT),
      lastTime: this.lastTime,
      session: { id: this.sessionId, lastTime: this.numberAt(SESSION_LAST_TIME), items: this.sessionList() },
      rfm: this.rfm,
      spend: { sum: this.numberAt(SPEND_SUM), count: this.numberAt(SPEND_COUNT) },
    };
  }

  static fromJSON(context: UserContext, json: UserHistoryJson): UserHistory {
    const h = new UserHistory(context);
    for (const [id, weight, , lastType, inCart, purchased, trendMinute, follows] of json.items) {
      h.load(id, weight, flagsOf(lastType, inCart, purchased), trendMinute, follows);
    }
    if (json.purchased.length > 0) h.purchasedItems = new Map(json.purchased);
    eventIds.load(h, ID_COUNT, json.recentIds);
    h.lastTime = json.lastTime;
    h.sessionId = json.session.id;
    h.setNumber(SESSION_LAST_TIME, json.session.lastTime);
    const session = json.session.items.slice(-SESSION_ITEMS);
    for (let k = 0; k < session.length; k++) h.setNumber(SESSION + k, context.itemIds.intern(session[k]) + 1);
    h.rfm = json.rfm;
    h.setNumber(SPEND_SUM, json.spend.sum);
    h.setNumber(SPEND_COUNT, json.spend.count);
    return h;
  }
}
