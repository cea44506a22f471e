import type { ItemRecord } from '../model/item-record.js';
import type { ItemNodeJson } from '../model/similarity.js';
import type { CounterJson, SpaceSavingJson } from '../model/space-saving.js';
import { RecordReader, type RecordWriter, writeRecords } from './binary-record.js';

/**
 * Binary form of an item-state record (binary-record.ts). An item's record is mostly its counters'
 * floating-point values, which JSON spent most of a state commit formatting and a restore parsing.
 * A missing landmark or value is NaN; a counter without distinct-user witnesses has 0xffffffff of them.
 */
const MAGIC = 0x53; // 'S'
const VERSION = 1;
const NO_USERS = 0xffffffff;

/** Bytes of a record whose ids are ASCII, less its strings: the writer's first size. */
function sizeOf(record: ItemRecord): number {
  const counters = record.node.counters.entries.length + (record.follows?.[1].entries.length ?? 0);
  return 160 + counters * 60 + record.node.row.ids.length * 36;
}

/** The records of one state commit, in order, each a view of one buffer. */
export function encodeItemRecords(records: readonly ItemRecord[]): Buffer[] {
  return writeRecords(records, sizeOf, write);
}

function writeCounters(w: RecordWriter, counters: SpaceSavingJson): void {
  w.f64(counters.floor);
  w.u32(counters.entries.length);
  for (const [key, count, n, err, users] of counters.entries) {
    w.str(key);
    w.f64(count);
    w.f64(n);
    w.f64(err);
    if (users === undefined) {
      w.u32(NO_USERS);
      continue;
    }
    w.u32(users.length);
    for (const u of users) w.i32(u);
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

function readCounters(r: RecordReader): SpaceSavingJson {
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

/** The record these bytes hold; null when they are of another format (JSON); throws on a broken one. */
export function decodeItemRecord(value: Buffer): ItemRecord | null {
  if (value.length < 2 || value[0] !== MAGIC || value[1] !== VERSION) return null;
  const r = new RecordReader(value);
  r.at = 2;
  const t0 = r.optF64();
  const norm2 = r.f64();
  const lastTime = r.f64();
  const counters = readCounters(r);
  const ids: string[] = [];
  const scores: number[] = [];
  for (let n = r.count(12); n > 0; n--) {
    ids.push(r.str());
    scores.push(r.f64());
  }
  const flags = r.u8();
  const node: ItemNodeJson = {
    norm2,
    lastTime,
    counters,
    row: { ids, scores, dirty: (flags & 1) !== 0, pending: r.f64(), computed: (flags & 2) !== 0 },
  };
  const follows: ItemRecord['follows'] = r.u8() === 1 ? [r.f64(), readCounters(r)] : null;
  const trendT0 = r.optF64();
  const trend: ItemRecord['trend'] = r.u8() === 1 ? [r.f64(), r.f64()] : null;
  const price = r.f64();
  r.end();
  return { t0, node, follows, trendT0, trend, price };
}
