/**
 * Kafka's compact policy for the embedded log: sealed segments keep only the newest record of each
 * key (newest across the whole partition, the active segment included); a tombstone (null value)
 * stays until `tombstoneRetentionMs` after its append time so followers see the deletion, then goes
 * too. Kept records keep their offsets; the gaps are skipped by readers. Neighbouring segments that
 * shrank are merged while they fit in one segment, so a compacted partition does not splinter.
 */
import type { PartitionPolicy } from './retention.js';
import type { KeepRecord, Segment } from './segment.js';
import type { SegmentStorage } from './segment-storage.js';

export interface Compacted {
  /** The sealed segments after compaction, in offset order. */
  sealed: Segment[];
  /** When the earliest tombstone kept becomes removable (Infinity when none is kept). */
  tombstonesDueAt: number;
}

/** Offset of the newest record of every key; keys compared as bytes. */
function newestOffsets(segments: readonly Segment[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const segment of segments) {
    segment.scan((key, offset) => {
      if (key !== null) newest.set(key.toString('latin1'), offset);
    });
  }
  return newest;
}

export function compact(
  sealed: readonly Segment[],
  active: Segment,
  storage: SegmentStorage,
  policy: PartitionPolicy,
  now: number,
): Compacted {
  const newest = newestOffsets([...sealed, active]);
  const keep: KeepRecord = (key, offset, timestamp, tombstone) =>
    key === null || (newest.get(key.toString('latin1')) === offset && !(tombstone && timestamp + policy.tombstoneRetentionMs <= now));
  const result: Segment[] = [];
  let tombstonesDueAt = Number.POSITIVE_INFINITY;
  let group: Segment[] = [];
  let groupBytes = 0;
  let groupChanged = false;

  const flush = (): void => {
    if (group.length === 0) return;
    if (!groupChanged) result.push(...group);
    else {
      const replacement = storage.rewrite(group, keep, groupBytes);
      if (replacement !== null) result.push(replacement);
    }
    group = [];
    groupBytes = 0;
    groupChanged = false;
  };

  for (const segment of sealed) {
    let keptBytes = 0;
    let dropped = false;
    segment.scan((key, offset, timestamp, tombstone, size) => {
      if (!keep(key, offset, timestamp, tombstone)) {
        dropped = true;
        return;
      }
      keptBytes += size;
      if (tombstone && key !== null) tombstonesDueAt = Math.min(tombstonesDueAt, timestamp + policy.tombstoneRetentionMs);
    });
    if (group.length > 0 && groupBytes + keptBytes > policy.segmentBytes) flush();
    group.push(segment);
    groupBytes += keptBytes;
    groupChanged ||= dropped || group.length > 1;
  }
  flush();
  return { sealed: result, tombstonesDueAt };
}
