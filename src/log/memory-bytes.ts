/**
 * A segment's frames in memory, for a log without a data directory: a few buffers instead of an
 * object, a string and two buffers per record, so a log of a shop's history is few objects for the
 * collector to mark. Each frame is written where it stays, and the appended records' keys and values
 * become views of it: their bytes are held once, and holding the records decoded copies nothing.
 */
import { frameMemory } from './frame-memory.js';
import type { SegmentBytes } from './segment-bytes.js';
import { viewFrameFields, writeFrame } from './segment-frames.js';
import type { LogRecord } from './types.js';

/**
 * Frames fill chunks of this size, a larger frame one of its own. Below malloc's threshold for
 * mapping fresh pages, a chunk reuses memory given back by the collector instead of faulting in new.
 */
const CHUNK_BYTES = 64 * 1024;

export class MemoryBytes implements SegmentBytes {
  private readonly chunks: Buffer[] = [];
  /** Segment position of each chunk's first frame. */
  private readonly starts: number[] = [];
  /** The last chunk's view and bytes in use. */
  private view: DataView | null = null;
  private used = 0;
  private bytes = 0;
  /** Whether frameMemory counts the chunks as held: until the log is closed. */
  private counted = true;

  /** Bytes holding exactly `frames` (from `frameMemory.take`), which they keep (not a copy). */
  static holding(frames: Buffer): MemoryBytes {
    const bytes = new MemoryBytes();
    bytes.hold(frames);
    bytes.chunks.push(frames);
    bytes.starts.push(0);
    bytes.used = frames.length;
    bytes.bytes = frames.length;
    return bytes;
  }

  get size(): number {
    return this.bytes;
  }

  appendFrames(records: LogRecord[], sizes: readonly number[], from: number, to: number, firstOffset: number): void {
    for (let i = from; i < to; i++) {
      const size = sizes[i];
      const chunk = this.room(size);
      writeFrame(records[i], firstOffset + i - from, size, chunk, this.view as DataView, this.used);
      viewFrameFields(records[i], chunk, this.used);
      this.used += size;
      this.bytes += size;
    }
  }

  /** The last chunk, a new one when it has no room for `size` more bytes (what it has left stays unused). */
  private room(size: number): Buffer {
    const last = this.chunks.at(-1);
    if (last !== undefined && this.view !== null && last.length - this.used >= size) return last;
    const chunk = frameMemory.take(Math.max(CHUNK_BYTES, size));
    this.hold(chunk);
    this.chunks.push(chunk);
    this.starts.push(this.bytes);
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.length);
    this.used = 0;
    return chunk;
  }

  /** Up to `length` bytes from `position`, a frame's start; fewer at a chunk's end, which no frame crosses. */
  read(position: number, length: number): Buffer {
    if (position >= this.bytes || length <= 0) return Buffer.alloc(0);
    const i = this.chunkAt(position);
    const inUse = i === this.chunks.length - 1 ? this.used : this.starts[i + 1] - this.starts[i];
    const at = position - this.starts[i];
    return this.chunks[i].subarray(at, Math.min(at + length, inUse));
  }

  /** Index of the chunk holding `position`. */
  private chunkAt(position: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  truncate(size: number): void {
    if (size >= this.bytes) return;
    if (size === 0) {
      this.remove();
      return;
    }
    const i = this.chunkAt(size - 1);
    for (const dropped of this.chunks.slice(i + 1)) this.letGo(dropped);
    this.chunks.length = i + 1;
    this.starts.length = i + 1;
    this.used = size - this.starts[i];
    this.bytes = size;
  }

  /** Gives back the last chunk's unused bytes: a sealed segment holds only its frames. */
  seal(): void {
    const last = this.chunks.at(-1);
    if (last === undefined || this.used === last.length) return;
    const exact = frameMemory.take(this.used);
    last.copy(exact, 0, 0, this.used);
    this.hold(exact);
    this.letGo(last);
    this.chunks[this.chunks.length - 1] = exact;
    this.view = null;
  }

  remove(): void {
    for (const chunk of this.chunks) this.letGo(chunk);
    this.chunks.length = 0;
    this.starts.length = 0;
    this.view = null;
    this.used = 0;
    this.bytes = 0;
  }

  /** The log is closed: its frames stay readable, but it holds them no longer. */
  close(): void {
    for (const chunk of this.chunks) this.letGo(chunk);
    this.counted = false;
  }

  private hold(chunk: Buffer): void {
    if (this.counted) frameMemory.hold(chunk);
  }

  private letGo(chunk: Buffer): void {
    if (this.counted) frameMemory.letGo(chunk);
  }
}
