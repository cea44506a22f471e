/**
 * A segment's frame bytes, in a file under a data directory (segment-file.ts) or in memory
 * (memory-bytes.ts): all a frame segment reads and appends through.
 */
import type { LogRecord } from './types.js';

export interface SegmentBytes {
  readonly size: number;
  /** Appends the frames of `records[from, to)`, offsets from `firstOffset`, frame sizes `sizes[from, to)`. */
  appendFrames(records: LogRecord[], sizes: readonly number[], from: number, to: number, firstOffset: number): void;
  /**
   * Up to `length` bytes from `position`, a frame's start; fewer at the end, or where no frame goes on.
   * Good until the next read: a file's come in one buffer every read reuses (readers copy what they keep).
   */
  read(position: number, length: number): Buffer;
  /** Drops everything from `size` on (a torn frame at the end). */
  truncate(size: number): void;
  /** No more appends. */
  seal(): void;
  remove(): void;
  close(): void;
}
