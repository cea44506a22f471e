import { blankPairs, type ItemDelta } from '../model/item-delta.js';
import { RecordReader as Reader, type RecordWriter as Writer, writeRecords } from './binary-record.js';

/**
 * Binary form of an item-deltas record (binary-record.ts), on the hot path. Version 2 holds the deltas
 * of one batch for the items of one item-deltas partition, in order (their count, then each); version
 * 1, one item's delta, is still read (records an earlier version wrote). A missing landmark is NaN.
 */
const MAGIC = 0x52; // 'R'
const VERSION_1 = 1;
const VERSION = 2;

/** Bytes a delta's record takes when its strings are ASCII (ids usually are): its share of the writer's first size. */
function sizeOf(d: ItemDelta): number {
  let size = 106 + d.item.length + d.source.topic.length + 16 * d.trends.length + 8 * d.untrends.length;
  size += 28 * d.pairs.peers.length + 28 * d.follows.length + 20 * (d.unpairs.length + d.unfollows.length);
  for (const peer of d.pairs.peers) size += peer.length;
  for (const f of d.follows) size += f[0].length;
  for (const u of d.unpairs) size += u[0].length;
  for (const u of d.unfollows) size += u[0].length;
  return size;
}

function sizeOfGroup(group: readonly ItemDelta[]): number {
  let size = 6;
  for (const d of group) size += sizeOf(d);
  return size;
}

/** One record for each group of deltas (a partition's share of a batch), in order. */
export function encodeDeltaGroups(groups: ReadonlyArray<readonly ItemDelta[]>): Buffer[] {
  return writeRecords(groups, sizeOfGroup, writeGroup);
}

/** The record of one group of deltas. */
export function encodeDeltas(deltas: readonly ItemDelta[]): Buffer {
  return encodeDeltaGroups([deltas])[0];
}

function writeGroup(w: Writer, group: readonly ItemDelta[]): void {
  w.u8(MAGIC);
  w.u8(VERSION);
  w.u32(group.length);
  for (const d of group) write(w, d);
  w.end();
}

function write(w: Writer, d: ItemDelta): void {
  w.str(d.item);
  w.str(d.source.topic);
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
    w.str(peers[k]);
    w.f64(amounts[k]);
    w.f64(ns[k]);
    w.f64(users[k]);
  }
  w.u32(d.trends.length);
  for (const [minute, from] of d.trends) {
    w.f64(minute);
    w.f64(from);
  }
  w.u32(d.follows.length);
  for (const [to, weight, nInc, who] of d.follows) {
    w.str(to);
    w.f64(weight);
    w.f64(nInc);
    w.f64(who);
  }
  w.u32(d.unpairs.length);
  for (const [peer, amount, who] of d.unpairs) {
    w.str(peer);
    w.f64(amount);
    w.f64(who);
  }
  w.u32(d.unfollows.length);
  for (const [to, weight, who] of d.unfollows) {
    w.str(to);
    w.f64(weight);
    w.f64(who);
  }
  w.u32(d.untrends.length);
  for (const minute of d.untrends) w.f64(minute);
}

/** The deltas a record holds, in order; null for a record of another format; throws on a broken one. */
export function decodeDeltas(value: Buffer): ItemDelta[] | null {
  if (value.length < 2 || value[0] !== MAGIC || (value[1] !== VERSION && value[1] !== VERSION_1)) return null;
  const r = new Reader(value);
  r.at = 2;
  const deltas: ItemDelta[] = [];
  if (value[1] === VERSION_1) deltas.push(read(r));
  else for (let n = r.count(); n > 0; n--) deltas.push(read(r));
  r.end();
  return deltas;
}

function read(r: Reader): ItemDelta {
  const item = r.str();
  const topic = r.str();
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
    peers.push(r.str());
    amounts.push(r.f64());
    ns.push(r.f64());
    users.push(r.f64());
  }
  for (let n = r.count(); n > 0; n--) d.trends.push([r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.follows.push([r.str(), r.f64(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.unpairs.push([r.str(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.unfollows.push([r.str(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.untrends.push(r.f64());
  return d;
}
