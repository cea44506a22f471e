/**
 * A segment: frames (segment-frames.ts) in a file under a data directory or in memory without one,
 * and a sparse offset index. Records are decoded only when read.
 */
import type { Segment } from './segment.js';
import type { SegmentBytes } from './segment-bytes.js';
import { decodeFrame, frameIsTombstone, frameKey, frameLength, frameLengthNeeded, frameOffset, frameTimestamp } from './segment-frames.js';
import { INDEX_INTERVAL_BYTES, OffsetIndex, type SegmentSummary } from './segment-index.js';
import type { LogRecord, TopicPartition } from './types.js';

/** Bytes read from a segment at a time. */
const READ_CHUNK_BYTES = 65_536;

export class FrameSegment implements Segment {
  next: number;
  count = 0;
  firstTimestamp = Number.NaN;
  maxTimestamp = Number.NEGATIVE_INFINITY;
  private index = new OffsetIndex();
  private sinceIndexed = INDEX_INTERVAL_BYTES;

  constructor(
    readonly base: number,
    readonly bytes: SegmentBytes,
  ) {
    this.next = base;
  }

  /** A segment whose summary and index were kept beside it. */
  static summarised(bytes: SegmentBytes, summary: SegmentSummary, index: OffsetIndex): FrameSegment {
    const segment = new FrameSegment(summary.base, bytes);
    segment.next = summary.next;
    segment.count = summary.count;
    segment.firstTimestamp = summary.firstTimestamp;
    segment.maxTimestamp = summary.maxTimestamp;
    segment.index = index;
    return segment;
  }

  /** A segment over bytes that hold exactly `frames`. */
  static holding(base: number, bytes: SegmentBytes, frames: Buffer): FrameSegment {
    const segment = new FrameSegment(base, bytes);
    segment.track(frames, 0, frames.length, 0);
    return segment;
  }

  get size(): number {
    return this.bytes.size;
  }

  get indexEntries(): OffsetIndex {
    return this.index;
  }

  summary(): SegmentSummary {
    return {
      base: this.base,
      next: this.next,
      count: this.count,
      firstTimestamp: this.firstTimestamp,
      maxTimestamp: this.maxTimestamp,
      size: this.size,
    };
  }

  /** Appends the frames of `records[from, to)`, whose offsets run from `firstOffset` and whose frame sizes are `sizes[from, to)`. */
  append(records: LogRecord[], sizes: readonly number[], from: number, to: number, firstOffset: number): void {
    let position = this.bytes.size;
    this.bytes.appendFrames(records, sizes, from, to, firstOffset);
    for (let i = from; i < to; i++) {
      this.note(firstOffset + i - from, records[i].timestamp, sizes[i], position);
      position += sizes[i];
    }
  }

  /**
   * Learns the frames already stored (a segment opened without its summary); a torn frame at the
   * end, left by a crash mid-write, is cut off.
   */
  rebuild(): void {
    const valid = this.forEachFrame((buf, at, length, position) => {
      this.track(buf, at, at + length, position);
    });
    this.bytes.truncate(valid);
  }

  private track(buf: Buffer, start: number, end: number, position: number): void {
    for (let at = start; at < end; ) {
      const length = frameLength(buf, at);
      this.note(frameOffset(buf, at), frameTimestamp(buf, at), length, position + at - start);
      at += length;
    }
  }

  private note(offset: number, timestamp: number, length: number, position: number): void {
    if (this.sinceIndexed >= INDEX_INTERVAL_BYTES) {
      this.index.add(offset, position);
      this.sinceIndexed = 0;
    }
    this.sinceIndexed += length;
    if (this.count === 0) this.firstTimestamp = timestamp;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.count++;
    this.next = offset + 1;
  }

  /**
   * Calls `visit` for each whole frame from `from` on (the frame starts at `at` in `buf`, at
   * `position` in the segment) until it answers false or `maxBytes` of frames were visited; returns
   * the position of the first frame not visited (after the last whole frame when all were). `buf` is
   * good only during the visit (see SegmentBytes.read).
   */
  forEachFrame(
    visit: (buf: Buffer, at: number, length: number, position: number) => boolean | undefined,
    from = 0,
    maxBytes = Number.POSITIVE_INFINITY,
  ): number {
    let position = from;
    let chunk = READ_CHUNK_BYTES;
    let visited = 0;
    while (position < this.bytes.size) {
      const buf = this.bytes.read(position, chunk);
      let at = 0;
      for (let length = frameLength(buf, at); length > 0; length = frameLength(buf, at)) {
        if (visited >= maxBytes) return position + at;
        visited += length;
        if (visit(buf, at, length, position + at) === false) return position + at;
        at += length;
      }
      if (at === 0) {
        const needed = frameLengthNeeded(buf, 0);
        if (buf.length >= this.bytes.size - position || needed <= chunk) return position;
        chunk = needed;
        continue;
      }
      position += at;
      chunk = READ_CHUNK_BYTES;
    }
    return position;
  }

  /**
   * Decodes records with offsets in [from, stop) onto `out` until it holds `max`; returns the offset
   * to read on from.
   */
  read(from: number, stop: number, max: number, tp: TopicPartition, out: LogRecord[]): number {
    let reached = stop;
    this.forEachFrame((buf, at) => {
      const offset = frameOffset(buf, at);
      if (offset >= stop) return false;
      if (offset < from) return;
      out.push(decodeFrame(buf, at, tp));
      if (out.length < max) return;
      reached = offset + 1;
      return false;
    }, this.index.positionFor(from));
    return reached;
  }

  scan(
    visit: (key: Buffer | null, offset: number, timestamp: number, tombstone: boolean, size: number) => void,
    from = 0,
    maxBytes = Number.POSITIVE_INFINITY,
  ): number {
    return this.forEachFrame(
      (buf, at, length) => {
        visit(frameKey(buf, at), frameOffset(buf, at), frameTimestamp(buf, at), frameIsTombstone(buf, at), length);
        return undefined;
      },
      from,
      maxBytes,
    );
  }
}
