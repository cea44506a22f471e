import type { ItemRecord, StoredItemRecord } from '../model/item-record.js';
import type { StoredItemNode } from '../model/similarity.js';
import type { CounterJson, SpaceSavingColumns, SpaceSavingJson, StoredCounters } from '../model/space-saving.js';
import { RecordReader, type RecordWriter, writeRecords } from './binary-record.js';

/**
 * Binary form of an item-state record (binary-record.ts). An item's record is mostly its counters'
 * floating-point values, which JSON spent most of a state commit formatting and a restore parsing.
 * A missing landmark or value is NaN. Version 2 writes counters in columns (keys, then every
 * counter's figures, then the distinct users' column); version 1 wrote them one by one (a counter
 * without distinct-user witnesses had 0xffffffff of them) and is still read.
 */
const MAGIC = 0x53; // 'S'
const VERSION = 2;
const VERSION_1 = 1;
const NO_USERS = 0xffffffff;

/** Bytes of a record whose ids are ASCII, less its strings: the writer's first size. */
function sizeOf(record: ItemRecord): number {
  const { counters } = record.node;
  const follows = record.follows?.[1];
  const keys = counters.keys.length + (follows?.keys.length ?? 0);
  const users = (counters.users?.length ?? 0) + (follows?.users?.length ?? 0);
  return 160 + keys * 48 + users * 4 + record.node.row.ids.length * 36;
}

/** The records of one state commit, in order, each a view of one buffer. */
export function encodeItemRecords(records: readonly ItemRecord[]): Buffer[] {
  return writeRecords(records, sizeOf, write);
}

function writeCounters(w: RecordWriter, counters: SpaceSavingColumns): void {
  w.f64(counters.floor);
  w.u32(counters.keys.length);
  for (const key of counters.keys) w.str(key);
  w.f64s(counters.figures);
  if (counters.users === null) w.u8(0);
  else {
    w.u8(1);
    w.i32s(counters.users);
  }
}

function write(w: RecordWriter, r: ItemRecord): void {
  w.u8(MAGIC);
  w.u8(VERSION);
  w.optF64(r.t0);
  const { node } = r;
  w.f64(node.norm2);
  w.f64(node.lastTime);
  writeCounters(w, node.counters);
  const { row } = node;
  w.u32(row.ids.length);
  for (let k = 0; k < row.ids.length; k++) {
    w.str(row.ids[k]);
    w.f64(row.scores[k]);
  }
  w.u8((row.dirty ? 1 : 0) | (row.computed ? 2 : 0));
  w.f64(row.pending);
  w.u8(r.follows === null ? 0 : 1);
  if (r.follows !== null) {
    w.f64(r.follows[0]);
    writeCounters(w, r.follows[1]);
  }
  w.optF64(r.trendT0);
  w.u8(r.trend === null ? 0 : 1);
  if (r.trend !== null) {
    w.f64(r.trend[0]);
    w.f64(r.trend[1]);
  }
  w.f64(r.price);
  w.end();
}

function readCounters(r: RecordReader): SpaceSavingColumns {
  const floor = r.f64();
  const n = r.count(4);
  const keys: string[] = new Array(n);
  for (let k = 0; k < n; k++) keys[k] = r.str();
  const figures = r.f64s();
  if (figures.length !== 3 * n) throw new RangeError('counter figures do not match the keys');
  const users = r.u8() === 1 ? r.i32s() : null;
  return { floor, keys, figures, users };
}

function readCountersV1(r: RecordReader): SpaceSavingJson {
  const floor = r.f64();
  const entries: CounterJson[] = [];
  for (let n = r.count(32); n > 0; n--) {
    const entry: CounterJson = [r.str(), r.f64(), r.f64(), r.f64()];
    const users = r.u32();
    if (users !== NO_USERS) {
      if (users * 4 > r.left) throw new RangeError('count past the end of the record');
      const list: number[] = new Array(users);
      for (let k = 0; k < users; k++) list[k] = r.i32();
      entry.push(list);
    }
    entries.push(entry);
  }
  return { floor, entries };
}

/** The record these bytes hold (of either version); null when they are of another format (JSON); throws on a broken one. */
export function decodeItemRecord(value: Buffer): StoredItemRecord | null {
  if (value.length < 2 || value[0] !== MAGIC || (value[1] !== VERSION && value[1] !== VERSION_1)) return null;
  const counters: (r: RecordReader) => StoredCounters = value[1] === VERSION ? readCounters : readCountersV1;
  const r = new RecordReader(value);
  r.at = 2;
  const t0 = r.optF64();
  const norm2 = r.f64();
  const lastTime = r.f64();
  const nodeCounters = counters(r);
  const ids: string[] = [];
  const scores: number[] = [];
  for (let n = r.count(12); n > 0; n--) {
    ids.push(r.str());
    scores.push(r.f64());
  }
  const flags = r.u8();
  const node: StoredItemNode = {
    norm2,
    lastTime,
    counters: nodeCounters,
    row: { ids, scores, dirty: (flags & 1) !== 0, pending: r.f64(), computed: (flags & 2) !== 0 },
  };
  const follows: StoredItemRecord['follows'] = r.u8() === 1 ? [r.f64(), counters(r)] : null;
  const trendT0 = r.optF64();
  const trend: StoredItemRecord['trend'] = r.u8() === 1 ? [r.f64(), r.f64()] : null;
  const price = r.f64();
  r.end();
  return { t0, node, follows, trendT0, trend, price };
}
