import type { IdValues, NeighborRecord } from '../model/neighbor-row.js';
import { RecordReader, type RecordWriter, writeRecords } from './binary-record.js';

/**
 * Binary form of an item-neighbors record (binary-record.ts). Every owner publishes its changed rows
 * every NEIGHBOR_PUBLISH_MS and every process reads them all: as JSON, formatting and parsing them was
 * a tenth of the engine's time. A missing landmark is NaN. JSON rows an earlier version wrote (the
 * topic is compacted, so they stay) are still read.
 */
const MAGIC = 0x4e; // 'N'
const VERSION = 1;
const JSON_FORMAT = 'recstream.item-row/1';

function sizeOf(r: NeighborRecord): number {
  return 80 + r.item.length + 24 * (r.neighbors.ids.length + r.follows.ids.length);
}

function write(w: RecordWriter, r: NeighborRecord): void {
  w.u8(MAGIC);
  w.u8(VERSION);
  w.str(r.item);
  w.idValues(r.neighbors.ids, r.neighbors.values);
  w.idValues(r.follows.ids, r.follows.values);
  w.f64(r.norm2);
  w.optF64(r.t0);
  w.f64(r.trend);
  w.optF64(r.trendT0);
  w.f64(r.popularity);
  w.f64(r.price);
  w.end();
}

/** A row as the JSON form held it: (id, number) pairs. */
type JsonRow = Omit<NeighborRecord, 'neighbors' | 'follows'> & { neighbors: Array<[string, number]>; follows: Array<[string, number]> };

function columns(pairs: ReadonlyArray<[string, number]>): IdValues {
  return { ids: pairs.map(([id]) => id), values: pairs.map(([, v]) => v) };
}

/** The records of `rows`, in order, each a view of one buffer. */
export function encodeRows(rows: readonly NeighborRecord[]): Buffer[] {
  return writeRecords(rows, sizeOf, write);
}

/** The row these bytes hold; null when they are of no row format; throws on a broken record. */
export function decodeRow(value: Buffer): NeighborRecord | null {
  if (value.length >= 2 && value[0] === MAGIC && value[1] === VERSION) {
    const r = new RecordReader(value);
    r.at = 2;
    const item = r.str();
    const neighbors = r.idValues();
    const follows = r.idValues();
    const row: NeighborRecord = {
      item,
      neighbors,
      follows,
      norm2: r.f64(),
      t0: r.optF64(),
      trend: r.f64(),
      trendT0: r.optF64(),
      popularity: r.f64(),
      price: r.f64(),
    };
    r.end();
    return row;
  }
  const parsed = JSON.parse(value.toString('utf8')) as { f?: unknown } & JsonRow;
  if (parsed.f !== JSON_FORMAT) return null;
  const { f: _, neighbors, follows, ...row } = parsed;
  return { ...row, neighbors: columns(neighbors), follows: columns(follows) };
}
