/**
 * One segment of a partition: records with offsets from `base` on, as frames (frame-segment.ts) in a
 * file under a data directory (segment-file.ts) or in memory without one (memory-bytes.ts). Its size
 * is counted in frame bytes, so retention budgets mean the same in both.
 */
import type { LogRecord, TopicPartition } from './types.js';

export interface Segment {
  readonly base: number;
  /** Offset after its last record (base when empty). */
  readonly next: number;
  readonly count: number;
  /** Append time of its first record (NaN when empty). */
  readonly firstTimestamp: number;
  /** Newest append time in it (-Infinity when empty). */
  readonly maxTimestamp: number;
  /** Bytes of its records as frames. */
  readonly size: number;
  /**
   * Puts records with offsets in [from, stop) onto `out` until it holds `max`; returns the offset
   * to read on from.
   */
  read(from: number, stop: number, max: number, tp: TopicPartition, out: LogRecord[]): number;
  /**
   * The records in offset order, as compaction needs them, from the frame at position `from` (0: the
   * first) until `maxBytes` of frames have been visited; returns the position to scan on from (the
   * segment's size once every record was visited).
   */
  scan(
    visit: (key: Buffer | null, offset: number, timestamp: number, tombstone: boolean, size: number) => void,
    from?: number,
    maxBytes?: number,
  ): number;
}

/** Compaction's verdict on one record. */
export type KeepRecord = (key: Buffer | null, offset: number, timestamp: number, tombstone: boolean) => boolean;

/**
 * Goes through a segment's first `end` bytes a step at a time (compaction reads segments so, and
 * writes a rewrite): `step(from)` works on from position `from` and returns where to go on from.
 * Ends with false when, before a step or after the last, `held` says the partition let go of the
 * segment meanwhile.
 */
export function* stepThroughBytes(end: number, held: () => boolean, step: (from: number) => number): Generator<void, boolean> {
  for (let at = 0; at < end; ) {
    if (!held()) return false;
    const next = step(at);
    // no whole frame where one should be: nothing more to read
    if (next <= at) break;
    at = next;
    yield;
  }
  return held();
}
