import { RecstreamError } from '../errors.js';
import type { EventType } from '../events/types.js';

export type ColumnRole = 'user' | 'item' | 'time' | 'rating' | 'type' | 'price' | 'session';

/** Header names recognised per role, compared case-insensitively: the usual spellings and those of common public logs. */
const CANDIDATES: Record<ColumnRole, readonly string[]> = {
  user: ['userid', 'user_id', 'user', 'visitorid', 'visitor_id', 'customerid', 'customer_id'],
  item: ['itemid', 'item_id', 'item', 'movieid', 'movie_id', 'productid', 'product_id', 'stockcode'],
  time: ['timestamp', 'time', 'ts', 'invoicedate', 'event_time', 'datetime', 'date'],
  rating: ['rating', 'score'],
  type: ['type', 'event', 'event_type', 'eventtype'],
  price: ['price', 'unitprice', 'unit_price'],
  session: ['sessionid', 'session_id', 'session'],
};

export type ColumnOverrides = Partial<Record<ColumnRole, string>>;

export interface ColumnMap {
  user: number;
  item: number;
  time: number;
  rating: number | null;
  type: number | null;
  price: number | null;
  session: number | null;
}

/** A log's header lacks a column it needs, or one a flag names. */
export class ColumnError extends RecstreamError {
  static readonly code = 'RS_INPUT_COLUMNS';

  constructor(message: string) {
    super(ColumnError.code, message);
    this.name = 'ColumnError';
  }
}

/**
 * Finds each role's column in the header: a forced name wins (error when absent), else the first
 * candidate name present. User, item and time are required.
 */
export function detectColumns(header: readonly string[], overrides: ColumnOverrides = {}): ColumnMap {
  const lower = header.map((h) => h.trim().toLowerCase());
  const find = (role: ColumnRole): number | null => {
    const forced = overrides[role];
    if (forced !== undefined) {
      const index = lower.indexOf(forced.trim().toLowerCase());
      if (index === -1)
        throw new ColumnError(`--${role === 'time' ? 'time' : role}-col '${forced}' is not a column of the header (${header.join(',')})`);
      return index;
    }
    for (const name of CANDIDATES[role]) {
      const index = lower.indexOf(name);
      if (index !== -1) return index;
    }
    return null;
  };
  const user = find('user');
  const item = find('item');
  const time = find('time');
  const missing = [
    user === null ? 'user (--user-col)' : null,
    item === null ? 'item (--item-col)' : null,
    time === null ? 'timestamp (--time-col)' : null,
  ].filter((m): m is string => m !== null);
  if (user === null || item === null || time === null) {
    throw new ColumnError(`cannot find the ${missing.join(', ')} column in the header (${header.join(',')}); name it with the flag`);
  }
  return { user, item, time, rating: find('rating'), type: find('type'), price: find('price'), session: find('session') };
}

// Below 1e11 a number is seconds (1e11 s is the year 5138); from there on, millis (1e11 ms is 1973).
const SECONDS_LIMIT = 1e11;
const NUMERIC = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/**
 * Event time in epoch millis: epoch seconds or millis (by magnitude), ISO-8601 with a zone, or a date
 * / `YYYY-MM-DD hh:mm[:ss]` without one, read as UTC so results never depend on the machine's zone.
 * Null when unreadable.
 */
export function parseTimestamp(raw: string): number | null {
  const text = raw.trim();
  if (text === '') return null;
  if (NUMERIC.test(text)) {
    const v = Number(text);
    if (!Number.isFinite(v)) return null;
    return Math.round(Math.abs(v) < SECONDS_LIMIT ? v * 1000 : v);
  }
  const local = LOCAL_DATE_TIME.exec(text);
  if (local !== null) {
    const [, y, mo, d, h, mi, s, ms] = local;
    const t = Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h ?? 0),
      Number(mi ?? 0),
      Number(s ?? 0),
      Number((ms ?? '0').padEnd(3, '0')),
    );
    return Number.isFinite(t) ? t : null;
  }
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}

const TYPE_ALIASES: Record<string, EventType> = {
  view: 'view',
  pageview: 'view',
  page_view: 'view',
  impression: 'view',
  detail: 'view',
  product_view: 'view',
  'view-item': 'view',
  click: 'click',
  clicked: 'click',
  select: 'click',
  rating: 'click',
  rate: 'click',
  like: 'click',
  add_to_cart: 'add_to_cart',
  addtocart: 'add_to_cart',
  'add-to-cart': 'add_to_cart',
  cart: 'add_to_cart',
  add: 'add_to_cart',
  basket: 'add_to_cart',
  add_to_basket: 'add_to_cart',
  remove_from_cart: 'remove_from_cart',
  removefromcart: 'remove_from_cart',
  'remove-from-cart': 'remove_from_cart',
  remove: 'remove_from_cart',
  remove_from_basket: 'remove_from_cart',
  purchase: 'purchase',
  transaction: 'purchase',
  buy: 'purchase',
  order: 'purchase',
  checkout: 'purchase',
  purchased: 'purchase',
  sale: 'purchase',
};

/** Our event type for a type-column value (case and spaces ignored); null when unknown. */
export function mapEventType(raw: string): EventType | null {
  const key = raw.trim().toLowerCase().replace(/\s+/g, '_');
  return TYPE_ALIASES[key] ?? null;
}
