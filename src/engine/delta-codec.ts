import { blankPairs, type ItemDelta } from '../model/item-delta.js';

/**
 * Binary form of an item delta record: item-deltas carry one record per item per batch, on the hot
 * path, and JSON spent most of its time formatting and parsing the floating-point amounts. Little
 * endian; a string is its UTF-8 byte length (u32) and bytes; a missing landmark is NaN.
 */
const MAGIC = 0x52; // 'R'
const VERSION = 1;

/**
 * Writes the records of one batch into one buffer (one allocation per batch, a view per record).
 * Strings of ASCII characters (ids usually are) are copied byte by byte: cheaper than a call into
 * the UTF-8 encoder for a short string.
 */
class Writer {
  private buf: Buffer;
  private view: DataView;
  private at = 0;
  private readonly ends: number[] = [];

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  str(s: string): void {
    const n = s.length;
    this.room(4 + 3 * n);
    const buf = this.buf;
    const start = this.at + 4;
    let at = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        at = start + buf.write(s, start, 'utf8');
        break;
      }
      buf[at++] = c;
    }
    this.view.setUint32(this.at, at - start, true);
    this.at = at;
  }

  /** Ends the current record. */
  end(): void {
    this.ends.push(this.at);
  }

  /** The records written, each a view of the one buffer. */
  records(): Buffer[] {
    const out: Buffer[] = new Array(this.ends.length);
    let from = 0;
    for (let i = 0; i < this.ends.length; i++) {
      out[i] = this.buf.subarray(from, this.ends[i]);
      from = this.ends[i];
    }
    return out;
  }
}

class Reader {
  at = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  str(): string {
    const n = this.u32();
    if (this.at + n > this.buf.length) throw new RangeError('string past the end of the record');
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  count(): number {
    const n = this.u32();
    // every entry takes at least 8 bytes: a count beyond what is left is a broken record
    if (n * 8 > this.buf.length - this.at) throw new RangeError('count past the end of the record');
    return n;
  }
}

/** Bytes a batch's records take when their strings are ASCII (ids usually are): the writer's first size. */
function sizeOf(deltas: readonly ItemDelta[]): number {
  let size = 0;
  for (const d of deltas) {
    size += 106 + d.item.length + d.source.topic.length + 16 * d.trends.length + 8 * d.untrends.length;
    size += 28 * d.pairs.peers.length + 28 * d.follows.length + 20 * (d.unpairs.length + d.unfollows.length);
    for (const peer of d.pairs.peers) size += peer.length;
    for (const f of d.follows) size += f[0].length;
    for (const u of d.unpairs) size += u[0].length;
    for (const u of d.unfollows) size += u[0].length;
  }
  return size;
}

/** The records of a batch's deltas, in order. */
export function encodeDeltas(deltas: readonly ItemDelta[]): Buffer[] {
  const w = new Writer(sizeOf(deltas));
  for (const d of deltas) write(w, d);
  return w.records();
}

export function encodeDelta(d: ItemDelta): Buffer {
  return encodeDeltas([d])[0];
}

function write(w: Writer, d: ItemDelta): void {
  w.u8(MAGIC);
  w.u8(VERSION);
  w.str(d.item);
  w.str(d.source.topic);
  w.f64(d.source.partition);
  w.f64(d.source.from);
  w.f64(d.source.to);
  w.f64(d.source.seq);
  w.f64(d.t0 ?? Number.NaN);
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
  w.end();
}

/** The delta a record holds; null for a record of another format; throws on a broken one. */
export function decodeDelta(value: Buffer): ItemDelta | null {
  if (value.length < 2 || value[0] !== MAGIC || value[1] !== VERSION) return null;
  const r = new Reader(value);
  r.at = 2;
  const item = r.str();
  const topic = r.str();
  const partition = r.f64();
  const from = r.f64();
  const to = r.f64();
  const seq = r.f64();
  const t0 = r.f64();
  const d: ItemDelta = {
    item,
    source: { topic, partition, from, to, seq },
    t0: Number.isNaN(t0) ? null : t0,
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
  if (r.at !== value.length) throw new RangeError('bytes after the end of the record');
  return d;
}
