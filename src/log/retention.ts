/**
 * Kafka's delete policy for the embedded log: whole old segments go when a partition holds more
 * than its byte budget or when a segment's newest record is older than the time budget. The active
 * segment goes only by time, and only when every record in it has expired.
 */
import type { Segment } from './segment.js';

/** Per partition; null is no limit (Kafka's -1). */
export interface RetentionLimits {
  bytes: number | null;
  ms: number | null;
}

export interface PartitionPolicy {
  retention: RetentionLimits;
  /** The active segment is rolled before it grows past this… */
  segmentBytes: number;
  /** …or once its first record is this much older than the one being appended. */
  segmentMs: number;
  /** Compacted topics: how long a tombstone outlives the records it deleted (Kafka's delete.retention.ms). */
  tombstoneRetentionMs: number;
}

const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
/** Kafka's segment.ms default. */
const MAX_SEGMENT_MS = 7 * 24 * 3_600_000;
/** Kafka's delete.retention.ms default. */
const TOMBSTONE_RETENTION_MS = 24 * 3_600_000;
/** Segments per budget: what retention deletes at once is at most this share of it. */
const SEGMENTS_PER_BUDGET = 8;

export function partitionPolicy(retention: RetentionLimits, tombstoneRetentionMs = TOMBSTONE_RETENTION_MS): PartitionPolicy {
  for (const [name, v] of Object.entries(retention)) {
    if (v !== null && !(Number.isFinite(v) && v > 0))
      throw new RangeError(`retention ${name} must be positive or null (no limit), got ${v}`);
  }
  return {
    retention,
    segmentBytes:
      retention.bytes === null
        ? MAX_SEGMENT_BYTES
        : Math.max(1, Math.min(MAX_SEGMENT_BYTES, Math.floor(retention.bytes / SEGMENTS_PER_BUDGET))),
    segmentMs:
      retention.ms === null ? MAX_SEGMENT_MS : Math.max(1, Math.min(MAX_SEGMENT_MS, Math.floor(retention.ms / SEGMENTS_PER_BUDGET))),
    tombstoneRetentionMs,
  };
}

/**
 * How many of the oldest segments retention deletes now. `segments` ends with the active one; when
 * the answer covers it too, the caller rolls a new empty active segment first.
 */
export function expiredSegments(segments: readonly Segment[], totalBytes: number, limits: RetentionLimits, now: number): number {
  let count = 0;
  let bytes = totalBytes;
  const closed = segments.length - 1;
  if (limits.bytes !== null) {
    while (count < closed && bytes > limits.bytes) bytes -= segments[count++].size;
  }
  if (limits.ms !== null) {
    const cutoff = now - limits.ms;
    while (count < closed && !(segments[count].maxTimestamp >= cutoff)) count++;
    const active = segments[closed];
    if (count === closed && active.count > 0 && active.maxTimestamp < cutoff) count++;
  }
  return count;
}
