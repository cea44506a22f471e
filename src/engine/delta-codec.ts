import type { ItemDelta } from '../model/item-delta.js';

/**
 * Binary form of an item delta record: item-deltas carry one record per item per batch, on the hot
 * path, and JSON spent most of its time formatting and parsing the floating-point amounts. Little
 * endian; a string is its UTF-8 byte length (u32) and bytes; a missing landmark is NaN.
 */
const MAGIC = 0x52; // 'R'
const VERSION = 1;

class Writer {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.room(4 + n);
    this.buf.writeUInt32LE(n, this.at);
    this.buf.write(s, this.at + 4, n, 'utf8');
    this.at += 4 + n;
  }
}

class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    return this.buf[this.at++];
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.at);
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

export function encodeDelta(d: ItemDelta): Buffer {
  const w = new Writer(128 + 40 * (d.pairs.length + d.follows.length));
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
  w.u32(d.pairs.length);
  for (const [peer, amount, nInc, who] of d.pairs) {
    w.str(peer);
    w.f64(amount);
    w.f64(nInc);
    w.f64(who);
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
  return w.buf.subarray(0, w.at);
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
    pairs: [],
    trends: [],
    follows: [],
    unpairs: [],
    unfollows: [],
    untrends: [],
  };
  for (let n = r.count(); n > 0; n--) d.pairs.push([r.str(), r.f64(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.trends.push([r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.follows.push([r.str(), r.f64(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.unpairs.push([r.str(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.unfollows.push([r.str(), r.f64(), r.f64()]);
  for (let n = r.count(); n > 0; n--) d.untrends.push(r.f64());
  if (r.at !== value.length) throw new RangeError('bytes after the end of the record');
  return d;
}
