import { blankPairs, type ItemDelta } from '../model/item-delta.js';
import { RecordReader as Reader, type RecordWriter as Writer, writeRecords } from './binary-record.js';

/**
 * Binary form of an item-deltas record (binary-record.ts), on the hot path. Version 3 holds the deltas
 * of one batch for the items of one item-deltas partition, in order: the ids they name, each once (a
 * batch's pairs name the same few items again and again), then the deltas' count and each, naming ids
 * by their place in that table; a pair's new co-occurrences (0 or 1) are a byte and its user hash a
 * 32-bit integer. Versions 1 (one item's delta) and 2 (a group, ids written out where they are named)
 * are still read: records earlier versions wrote. Version 2 can still be written, for a group whose
 * other processes read no later one (a rolling upgrade, ITEM_DELTAS_FORMAT). A missing landmark is NaN.
 */
const MAGIC = 0x52; // 'R'
const VERSION_1 = 1;
const VERSION_2 = 2;
const VERSION = 3;

/** The versions this one can write: the current, and the one before for a rolling upgrade. */
export type DeltaFormat = typeof VERSION_2 | typeof VERSION;

/** Bytes a delta takes besides its ids' table entries: its share of the writer's first size. */
function sizeOf(d: ItemDelta): number {
  const size = 90 + 16 * d.trends.length + 8 * d.untrends.length;
  return size + 17 * d.pairs.peers.length + 28 * d.follows.length + 20 * (d.unpairs.length + d.unfollows.length);
}

/** A version-2 group's size: its deltas with every id written out and a pair's count and user as f64s. */
function sizeOfVersion2Group(group: readonly ItemDelta[]): number {
  let size = 10;
  for (const d of group) size += sizeOf(d) + 2 * d.pairs.peers.length;
  return 2 * size;
}

/** One record for each group of deltas (a partition's share of a batch), in order, in `format`. */
export function encodeDeltaGroups(groups: ReadonlyArray<readonly ItemDelta[]>, format: DeltaFormat = VERSION): Buffer[] {
  if (format !== VERSION) return writeRecords(groups, sizeOfVersion2Group, writeVersion2Group);
  // the id tables first, so the buffer is sized for them: guessed, nearly every record outgrew it and
  // was copied into one twice as large (~1 GB of buffers over a million events, half of them garbage)
  const tabled = groups.map((group) => ({ group, table: idTable(group) }));
  return writeRecords(tabled, sizeOfTabled, (w, { group, table }) => writeGroup(w, group, table));
}

/** A group's size with its id table known: its deltas, and each id as `str` makes room for it. */
function sizeOfTabled({ group, table }: { group: readonly ItemDelta[]; table: IdTable }): number {
  let size = 10;
  for (const d of group) size += sizeOf(d);
  for (const id of table.ids) size += 4 + 3 * id.length;
  return size;
}

/** The record of one group of deltas. */
export function encodeDeltas(deltas: readonly ItemDelta[], format: DeltaFormat = VERSION): Buffer {
  return encodeDeltaGroups([deltas], format)[0];
}

function writeGroup(w: Writer, group: readonly ItemDelta[], { ids, named }: IdTable): void {
  w.u8(MAGIC);
  w.u8(VERSION);
  w.u32(ids.length);
  for (const id of ids) w.str(id);
  w.u32(group.length);
  let at = 0;
  // the ids in the order write() names them: idTable's
  const id = (): void => w.u32(named[at++]);
  for (const d of group) write(w, d, id, true);
  w.end();
}

function writeVersion2Group(w: Writer, group: readonly ItemDelta[]): void {
  w.u8(MAGIC);
  w.u8(VERSION_2);
  w.u32(group.length);
  const id = (s: string): void => w.str(s);
  for (const d of group) write(w, d, id, false);
  w.end();
}

/**
 * Every id a group names, each once in order of first appearance, and the place in that table of
 * each id named, in the order write() names them (one map lookup per id named).
 */
interface IdTable {
  ids: string[];
  named: Int32Array;
}

function idTable(group: readonly ItemDelta[]): IdTable {
  const places = new Map<string, number>();
  const ids: string[] = [];
  let count = 0;
  for (const d of group) count += 2 + d.pairs.peers.length + d.follows.length + d.unpairs.length + d.unfollows.length;
  const named = new Int32Array(count);
  let at = 0;
  const name = (id: string): void => {
    let place = places.get(id);
    if (place === undefined) {
      place = ids.length;
      places.set(id, place);
      ids.push(id);
    }
    named[at++] = place;
  };
  for (const d of group) {
    name(d.item);
    name(d.source.topic);
    for (const peer of d.pairs.peers) name(peer);
    for (const f of d.follows) name(f[0]);
    for (const u of d.unpairs) name(u[0]);
    for (const u of d.unfollows) name(u[0]);
  }
  return { ids, named };
}

/** A delta, naming its ids with `id` (in idTable's order); `compact`: a pair's count and user as version 3 writes them. */
function write(w: Writer, d: ItemDelta, id: (s: string) => void, compact: boolean): void {
  id(d.item);
  id(d.source.topic);
  w.f64(d.source.partition);
  w.f64(d.source.from);
  w.f64(d.source.to);
  w.f64(d.source.seq);
  w.optF64(d.t0);
  w.f64(d.touch);
  w.f64(d.norm);
  w.f64(d.price);
  w.f64(d.unnorm);
  const { peers, amounts, ns, users } = d.pairs;
  w.u32(peers.length);
  for (let k = 0; k < peers.length; k++) {
    id(peers[k]);
    w.f64(amounts[k]);
    if (compact) {
      w.u8(ns[k]);
      w.i32(users[k]);
    } else {
      w.f64(ns[k]);
      w.f64(users[k]);
    }
  }
  w.u32(d.trends.length);
  for (const [minute, from] of d.trends) {
    w.f64(minute);
    w.f64(from);
  }
  w.u32(d.follows.length);
  for (const [to, weight, nInc, who] of d.follows) {
    id(to);
    w.f64(weight);
    w.f64(nInc);
    w.f64(who);
  }
  w.u32(d.unpairs.length);
  for (const [peer, amount, who] of d.unpairs) {
    id(peer);
    w.f64(amount);
    w.f64(who);
  }
  w.u32(d.unfollows.length);
  for (const [to, weight, who] of d.unfollows) {
    id(to);
    w.f64(weight);
    w.f64(who);
  }
  w.u32(d.untrends.length);
  for (const minute of d.untrends) w.f64(minute);
}

/** The deltas a record holds, in order; null for a record of another format; throws on a broken one. */
export function decodeDeltas(value: Buffer): ItemDelta[] | null {
  if (value.length < 2 || value[0] !== MAGIC || value[1] < VERSION_1 || value[1] > VERSION) return null;
  const r = new Reader(value);
  r.at = 2;
  const deltas: ItemDelta[] = [];
  if (value[1] === VERSION_1) deltas.push(read(r, writtenOut(r)));
  else if (value[1] === VERSION_2) for (let n = r.count(); n > 0; n--) deltas.push(read(r, writtenOut(r)));
  else {
    const table = idsOf(r);
    const ids = (): string => {
      const id = table[r.u32()];
      if (id === undefined) throw new RangeError('id past the end of the table');
      return id;
    };
    for (let n = r.count(); n > 0; n--) deltas.push(read(r, ids, true));
  }
  r.end();
  return deltas;
}

function idsOf(r: Reader): string[] {
  const ids: string[] = new Array(r.count(4));
  for (let i = 0; i < ids.length; i++) ids[i] = r.str();
  return ids;
}

/** How versions 1 and 2 name an id: written out. */
function writtenOut(r: Reader): () => string {
  return () => r.str();
}

/** A delta; `compact`: a pair's count and user as version 3 writes them. */
function read(r: Reader, id: () => string, compact = false): ItemDelta {
  const item = id();
  const topic = id();
  const partition = r.f64();
  const from = r.f64();
  const to = r.f64();
  const seq = r.f64();
  const t0 = r.optF64();
  const d: ItemDelta = {
    item,
    source: { topic, partition, from, to, seq },
    t0,
    touch: r.f64(),
    norm: r.f64(),
    price: r.f64(),
    unnorm: r.f64(),
    pairs: blankPairs(),
    trends: [],
    follows: [],
    unpairs: [],
    unfollows: [],
    untrends: [],
  };
  const { peers, amounts, ns, users } = d.pairs;
  for (let n = r.count(); n > 0; n--) {
    peers.push(id());
    amounts.push(r.f64());
    ns.push(compact ? r.u8() : r.f64());
    users.push(compact ? r.i32() : r.f64());
  }
  for (let n = r.count(); n > 0; n--) d.trends.push([r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.follows.push([id(), r.f64(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.unpairs.push([id(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.unfollows.push([id(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.untrends.push(r.f64());
  return d;
}
