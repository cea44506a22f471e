/**
 * Little-endian binary records of the internal topics (item deltas, item and user state): a string is
 * its UTF-8 byte length (u32) and bytes, a null string 0xffffffff, a null number NaN; a list of
 * (string, number) pairs its length (u32) and the pairs. JSON spent most of their time formatting and
 * parsing numbers.
 */
const NO_STRING = 0xffffffff;

/**
 * Writes records into one buffer (one allocation per batch of records, a view per record).
 * Strings of ASCII characters (ids usually are) are copied byte by byte: cheaper than a call into
 * the UTF-8 encoder for a short string.
 */
export class RecordWriter {
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

  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.at, v, true);
    this.at += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  /** Numbers in a row, their count written before them. */
  f64s(values: readonly number[]): void {
    const n = values.length;
    this.u32(n);
    this.room(8 * n);
    const view = this.view;
    let at = this.at;
    for (let i = 0; i < n; i++, at += 8) view.setFloat64(at, values[i], true);
    this.at = at;
  }

  /** 32-bit integers in a row, their count written before them. */
  i32s(values: readonly number[]): void {
    const n = values.length;
    this.u32(n);
    this.room(4 * n);
    const view = this.view;
    let at = this.at;
    for (let i = 0; i < n; i++, at += 4) view.setInt32(at, values[i], true);
    this.at = at;
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

  /** A string or null (NO_STRING as its length). */
  optStr(s: string | null): void {
    if (s === null) this.u32(NO_STRING);
    else this.str(s);
  }

  /** A number or null (NaN). */
  optF64(v: number | null): void {
    this.f64(v ?? Number.NaN);
  }

  pairs(pairs: ReadonlyArray<readonly [string, number]>): void {
    this.u32(pairs.length);
    for (const [s, v] of pairs) {
      this.str(s);
      this.f64(v);
    }
  }

  /** The same bytes as pairs() of the pairs (ids[k], values[k]). */
  idValues(ids: readonly string[], values: readonly number[]): void {
    this.u32(ids.length);
    for (let k = 0; k < ids.length; k++) {
      this.str(ids[k]);
      this.f64(values[k]);
    }
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

export class RecordReader {
  at = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  u8(): number {
    if (this.at >= this.buf.length) throw new RangeError('byte past the end of the record');
    return this.buf[this.at++];
  }
  i32(): number {
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
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
  /** Numbers as `f64s` wrote them. */
  f64s(): number[] {
    const n = this.count(8);
    const out: number[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.f64();
    return out;
  }
  /** Integers as `i32s` wrote them. */
  i32s(): number[] {
    const n = this.count(4);
    const out: number[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.i32();
    return out;
  }
  optF64(): number | null {
    const v = this.f64();
    return Number.isNaN(v) ? null : v;
  }
  pairs(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (let n = this.count(12); n > 0; n--) out.push([this.str(), this.f64()]);
    return out;
  }
  /** What idValues() wrote (or pairs(): the same bytes), as two columns. */
  idValues(): { ids: string[]; values: number[] } {
    const n = this.count(12);
    const ids: string[] = new Array(n);
    const values: number[] = new Array(n);
    for (let k = 0; k < n; k++) {
      ids[k] = this.str();
      values[k] = this.f64();
    }
    return { ids, values };
  }
  str(): string {
    return this.text(this.u32());
  }
  optStr(): string | null {
    const n = this.u32();
    return n === NO_STRING ? null : this.text(n);
  }
  private text(n: number): string {
    if (this.at + n > this.buf.length) throw new RangeError('string past the end of the record');
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  /** A count of entries of at least `entryBytes` each: one beyond what is left is a broken record. */
  count(entryBytes = 8): number {
    const n = this.u32();
    if (n * entryBytes > this.buf.length - this.at) throw new RangeError('count past the end of the record');
    return n;
  }
  /** Bytes not read yet. */
  get left(): number {
    return this.buf.length - this.at;
  }
  /** Throws unless every byte was read. */
  end(): void {
    if (this.at !== this.buf.length) throw new RangeError('bytes after the end of the record');
  }
}

/** The records of `values`, each made by `write`, in one buffer first sized by the sum of `sizeOf`. */
export function writeRecords<T>(values: readonly T[], sizeOf: (value: T) => number, write: (w: RecordWriter, value: T) => void): Buffer[] {
  let size = 0;
  for (const v of values) size += sizeOf(v);
  const w = new RecordWriter(size);
  for (const v of values) write(w, v);
  return w.records();
}
