import { EVENT_TYPES, type EventType } from '../events/types.js';
import type { HistoryEntryJson, UserHistoryJson } from '../model/user-history.js';
import type { UserRecord } from '../model/user-record.js';
import { RecordReader, type RecordWriter, writeRecords } from './binary-record.js';

/**
 * Binary form of a user-state record (binary-record.ts): the user's record and how far its writer had
 * read the erasures. JSON spent a state commit formatting every history's numbers and made one large
 * string and buffer per user, the allocations that kept a large heap's collector busy.
 * A missing landmark is NaN.
 */
const MAGIC = 0x55; // 'U'
/** 2: history entries without their last time (version 1 had one, read and dropped). */
const VERSION = 2;

export interface StoredUser {
  user: UserRecord;
  /** How far the writer had read the changelog's erasures: topic-partition → next offset. */
  seen: Record<string, string>;
}

function sizeOf({ user }: StoredUser): number {
  const h = user.history;
  return 200 + h.items.length * 72 + h.purchased.length * 30 + h.recentIds.length + h.session.items.length * 24;
}

/** The records of one state commit, in order, each a view of one buffer. */
export function encodeUserRecords(records: readonly StoredUser[]): Buffer[] {
  return writeRecords(records, sizeOf, write);
}

function write(w: RecordWriter, { user, seen }: StoredUser): void {
  w.u8(MAGIC);
  w.u8(VERSION);
  w.optF64(user.t0);
  const h = user.history;
  w.u32(h.items.length);
  for (const [itemId, weight, , lastType, inCart, purchased, trendMinute, follows] of h.items) {
    w.str(itemId);
    w.f64(weight);
    w.u8(EVENT_TYPES.indexOf(lastType));
    w.u8((inCart ? 1 : 0) | (purchased ? 2 : 0));
    w.f64(trendMinute);
    w.pairs(follows);
  }
  w.pairs(h.purchased);
  w.str(h.recentIds);
  w.f64(h.lastTime);
  w.optStr(h.session.id);
  w.f64(h.session.lastTime);
  w.u32(h.session.items.length);
  for (const id of h.session.items) w.str(id);
  w.f64(h.rfm.orders);
  w.f64(h.rfm.totalValue);
  w.f64(h.rfm.lastOrderTime);
  w.f64(h.rfm.lastOrderValue);
  w.f64(h.spend.sum);
  w.f64(h.spend.count);
  const partitions = Object.entries(seen);
  w.u32(partitions.length);
  for (const [tp, offset] of partitions) {
    w.str(tp);
    w.str(offset);
  }
  w.end();
}

function eventType(r: RecordReader): EventType {
  const type = EVENT_TYPES[r.u8()];
  if (type === undefined) throw new RangeError('unknown event type in the record');
  return type;
}

function readEntry(r: RecordReader, version: number): HistoryEntryJson {
  const itemId = r.str();
  const weight = r.f64();
  if (version === 1) r.f64();
  const lastType = eventType(r);
  const flags = r.u8();
  const trendMinute = r.f64();
  return [itemId, weight, 0, lastType, (flags & 1) !== 0, (flags & 2) !== 0, trendMinute, r.pairs()];
}

/** The record these bytes hold; null when they are of another format (JSON); throws on a broken one. */
export function decodeUserRecord(value: Buffer): StoredUser | null {
  if (value.length < 2 || value[0] !== MAGIC || (value[1] !== VERSION && value[1] !== 1)) return null;
  const version = value[1];
  const r = new RecordReader(value);
  r.at = 2;
  const t0 = r.optF64();
  const items: HistoryEntryJson[] = [];
  for (let n = r.count(version === 1 ? 38 : 30); n > 0; n--) items.push(readEntry(r, version));
  const purchased = r.pairs();
  const recentIds = r.str();
  const lastTime = r.f64();
  const session = { id: r.optStr(), lastTime: r.f64(), items: [] as string[] };
  for (let n = r.count(4); n > 0; n--) session.items.push(r.str());
  const rfm = { orders: r.f64(), totalValue: r.f64(), lastOrderTime: r.f64(), lastOrderValue: r.f64() };
  const spend = { sum: r.f64(), count: r.f64() };
  const seen: Record<string, string> = {};
  for (let n = r.count(8); n > 0; n--) seen[r.str()] = r.str();
  r.end();
  const history: UserHistoryJson = { items, purchased, recentIds, lastTime, session, rfm, spend };
  return { user: { t0, history }, seen };
}
