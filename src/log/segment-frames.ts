/**
 * The record frame of a log segment, the same on disk and in memory:
 *
 *   u32 body length (bytes after this field) | f64 offset | f64 append timestamp |
 *   i32 key length (-1 = null) | key | i32 value length (-1 = null) | value | u32 headers length | headers (JSON)
 *
 * Each frame carries its own offset, so compaction can drop frames and keep the offsets of the rest.
 * Offsets are exact as doubles up to 2^53.
 */
import type { Headers, LogRecord, TopicPartition } from './types.js';

/** Length field, offset, timestamp, key length, value length, headers length. */
const FRAME_OVERHEAD = 4 + 8 + 8 + 4 + 4 + 4;

export interface NewRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestamp: number;
}

export function hasHeaders(headers: Headers): boolean {
  for (const _ in headers) return true;
  return false;
}

/** Encoding goes through one reused buffer: the frames are written to a file at once. */
const SCRATCH_KEPT_BYTES = 4 * 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(65_536);
let scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);

/** Writes a length-prefixed field (`absent` as the length of a null one); returns where it ends. */
function writeField(buf: Buffer, view: DataView, at: number, data: Buffer | null, absent: number): number {
  if (data === null) {
    view.setInt32(at, absent);
    return at + 4;
  }
  view.setInt32(at, data.length);
  buf.set(data, at + 4);
  return at + 4 + data.length;
}

/** The last frozen headers encoded and their bytes: records of one write often share one object. */
let lastHeaders: Headers | null = null;
let lastHeaderBytes: Buffer | null = null;

/** Headers as stored: JSON, or nothing when there are none. */
function headerBytes(headers: Headers): Buffer | null {
  if (headers === lastHeaders) return lastHeaderBytes;
  const bytes = hasHeaders(headers) ? Buffer.from(JSON.stringify(headers), 'utf8') : null;
  if (Object.isFrozen(headers)) {
    lastHeaders = headers;
    lastHeaderBytes = bytes;
  }
  return bytes;
}

/** Bytes of the record's frame: what retention budgets count, on disk and in memory alike. */
export function frameSize(r: NewRecord): number {
  const h = r.headers;
  const headers = Object.isFrozen(h) ? (headerBytes(h)?.length ?? 0) : hasHeaders(h) ? Buffer.byteLength(JSON.stringify(h), 'utf8') : 0;
  return FRAME_OVERHEAD + (r.key === null ? 0 : r.key.length) + (r.value === null ? 0 : r.value.length) + headers;
}

/**
 * Encodes `records[from, to)`, with consecutive offsets from `firstOffset` and frame sizes
 * `sizes[from, to)`. The frames are valid until the next call: store them before encoding again.
 * Written through a DataView: Buffer's write methods check every argument.
 */
export function encodeFrames(
  records: readonly NewRecord[],
  from: number,
  to: number,
  firstOffset: number,
  sizes: readonly number[],
): Buffer {
  let total = 0;
  for (let i = from; i < to; i++) total += sizes[i];
  let buf = scratch;
  let view = scratchView;
  if (total > scratch.length) {
    buf = Buffer.allocUnsafeSlow(total);
    view = new DataView(buf.buffer, buf.byteOffset, total);
    if (total <= SCRATCH_KEPT_BYTES) {
      scratch = buf;
      scratchView = view;
    }
  }
  let at = 0;
  for (let i = from; i < to; i++) {
    writeFrame(records[i], firstOffset + i - from, sizes[i], buf, view, at);
    at += sizes[i];
  }
  return buf.subarray(0, total);
}

/** Writes the frame of `r` at `offset`, `size` bytes (frameSize), into `buf` (seen through `view`) at `at`. */
export function writeFrame(r: NewRecord, offset: number, size: number, buf: Buffer, view: DataView, at: number): void {
  view.setUint32(at, size - 4);
  view.setFloat64(at + 4, offset);
  view.setFloat64(at + 12, r.timestamp);
  const valueAt = writeField(buf, view, at + 20, r.key, -1);
  writeField(buf, view, writeField(buf, view, valueAt, r.value, -1), headerBytes(r.headers), 0);
}

/**
 * Makes `r`'s key and value views of the same bytes in its frame, written at `at` in `buf`: a record
 * held beside its frame holds its bytes once.
 */
export function viewFrameFields(r: NewRecord, buf: Buffer, at: number): void {
  const keyAt = at + 24;
  const keyLength = r.key === null ? 0 : r.key.length;
  if (r.key !== null) r.key = buf.subarray(keyAt, keyAt + keyLength);
  const valueAt = keyAt + keyLength + 4;
  if (r.value !== null) r.value = buf.subarray(valueAt, valueAt + r.value.length);
}

/** Length of the whole frame starting at `at`, or 0 when `buf` does not hold all of it. */
export function frameLength(buf: Buffer, at: number): number {
  if (at + 4 > buf.length) return 0;
  const length = 4 + buf.readUInt32BE(at);
  return at + length <= buf.length ? length : 0;
}

/** Bytes needed to learn the length of the frame at `at` (when frameLength said 0). */
export function frameLengthNeeded(buf: Buffer, at: number): number {
  return at + 4 > buf.length ? 4 : 4 + buf.readUInt32BE(at);
}

export function frameOffset(buf: Buffer, at: number): number {
  return buf.readDoubleBE(at + 4);
}

export function frameTimestamp(buf: Buffer, at: number): number {
  return buf.readDoubleBE(at + 12);
}

/** The key bytes (a view into `buf`), or null. */
export function frameKey(buf: Buffer, at: number): Buffer | null {
  const keyLen = buf.readInt32BE(at + 20);
  return keyLen < 0 ? null : buf.subarray(at + 24, at + 24 + keyLen);
}

/** A null value: a tombstone on a compacted topic. */
export function frameIsTombstone(buf: Buffer, at: number): boolean {
  const keyLen = Math.max(buf.readInt32BE(at + 20), 0);
  return buf.readInt32BE(at + 24 + keyLen) < 0;
}

/** The record in the frame at `at`; key and value are copies, so they never pin a segment's buffer. */
export function decodeFrame(buf: Buffer, at: number, tp: TopicPartition): LogRecord {
  return decodeFrameBody(buf, at + 12, tp, String(buf.readDoubleBE(at + 4)));
}

/**
 * The fields every frame format shares, from the append time at `p` on (time, key, value, headers),
 * as the record at `offset`; key and value are copies.
 */
export function decodeFrameBody(buf: Buffer, p: number, tp: TopicPartition, offset: string): LogRecord {
  const timestamp = buf.readDoubleBE(p);
  p += 8;
  const keyLen = buf.readInt32BE(p);
  p += 4;
  const key = keyLen >= 0 ? Buffer.from(buf.subarray(p, p + keyLen)) : null;
  p += Math.max(keyLen, 0);
  const valueLen = buf.readInt32BE(p);
  p += 4;
  const value = valueLen >= 0 ? Buffer.from(buf.subarray(p, p + valueLen)) : null;
  p += Math.max(valueLen, 0);
  const headersLen = buf.readUInt32BE(p);
  p += 4;
  const headers = headersLen > 0 ? (JSON.parse(buf.toString('utf8', p, p + headersLen)) as Headers) : {};
  return { topic: tp.topic, partition: tp.partition, offset, key, value, headers, timestamp };
}
