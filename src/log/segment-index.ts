/**
 * A segment's sparse offset index (like Kafka's .index: one entry per ~4 KiB of frames) and the
 * summary a sealed segment keeps beside its file, so a restart need not read the segment to know it.
 */

/** Bytes of frames between index entries: a read scans at most this much before its first record. */
export const INDEX_INTERVAL_BYTES = 4096;

export class OffsetIndex {
  private readonly offsets: number[] = [];
  private readonly positions: number[] = [];

  get entries(): number {
    return this.offsets.length;
  }

  add(offset: number, position: number): void {
    this.offsets.push(offset);
    this.positions.push(position);
  }

  /** Position of the last indexed frame at or before `offset`; 0 when there is none. */
  positionFor(offset: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid] <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.positions[found];
  }

  entry(i: number): { offset: number; position: number } {
    return { offset: this.offsets[i], position: this.positions[i] };
  }
}

/** What a segment knows of itself besides its frames. */
export interface SegmentSummary {
  base: number;
  /** Offset after its last record (base when empty). */
  next: number;
  count: number;
  firstTimestamp: number;
  maxTimestamp: number;
  /** Bytes of the segment file this summary describes. */
  size: number;
}

const MAGIC = 0x52534958; // "RSIX"
const VERSION = 1;
const HEADER_BYTES = 4 + 4 + 6 * 8 + 4;

export function encodeIndexFile(summary: SegmentSummary, index: OffsetIndex): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + index.entries * 16);
  let at = buf.writeUInt32BE(MAGIC, 0);
  at = buf.writeUInt32BE(VERSION, at);
  for (const v of [summary.size, summary.base, summary.next, summary.count, summary.firstTimestamp, summary.maxTimestamp]) {
    at = buf.writeDoubleBE(v, at);
  }
  at = buf.writeUInt32BE(index.entries, at);
  for (let i = 0; i < index.entries; i++) {
    const e = index.entry(i);
    at = buf.writeDoubleBE(e.offset, at);
    at = buf.writeDoubleBE(e.position, at);
  }
  return buf;
}

/** The summary and index in `buf`, or null when it is not a whole index file of this version. */
export function decodeIndexFile(buf: Buffer): { summary: SegmentSummary; index: OffsetIndex } | null {
  if (buf.length < HEADER_BYTES || buf.readUInt32BE(0) !== MAGIC || buf.readUInt32BE(4) !== VERSION) return null;
  const v = (i: number): number => buf.readDoubleBE(8 + i * 8);
  const summary: SegmentSummary = { size: v(0), base: v(1), next: v(2), count: v(3), firstTimestamp: v(4), maxTimestamp: v(5) };
  const entries = buf.readUInt32BE(8 + 6 * 8);
  if (buf.length !== HEADER_BYTES + entries * 16) return null;
  const index = new OffsetIndex();
  for (let i = 0; i < entries; i++) {
    const at = HEADER_BYTES + i * 16;
    index.add(buf.readDoubleBE(at), buf.readDoubleBE(at + 8));
  }
  return { summary, index };
}
