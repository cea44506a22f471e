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

/** The partition a compaction pass works on. */
export interface CompactedSegments {
  /** True while the partition holds `group` (consecutive segments) as it was. */
  holds(group: readonly Segment[]): boolean;
  /** Puts `replacement` (none: the group was emptied) where `group` was. */
  replace(group: readonly Segment[], replacement: Segment | null): void;
}

/** Offset of the newest record of every key in `segment`, added to `newest`; keys compared as bytes. */
function noteNewest(segment: Segment, newest: Map<string, number>): void {
  segment.scan((key, offset) => {
    if (key !== null) newest.set(key.toString('latin1'), offset);
  });
}

/**
 * One compaction pass over `sealed`, a step per segment read or group rewritten (the partition takes
 * appends, and its readers read, between steps): each rewritten group takes its place in the partition
 * at once, and a pass whose segments the partition no longer holds (deleted meanwhile) ends. Returns
 * when the earliest tombstone kept becomes removable (Infinity when none is).
 * Records appended during the pass are not looked at: a key they supersede keeps its older record
 * until the next pass, as Kafka's cleaner keeps what lies past its dirty section.
 */
export function* compaction(
  sealed: readonly Segment[],
  active: Segment,
  storage: SegmentStorage,
  policy: PartitionPolicy,
  now: number,
  partition: CompactedSegments,
): Generator<void, number> {
  const newest = new Map<string, number>();
  for (const segment of [...sealed, active]) {
    if (!partition.holds([segment])) return Number.POSITIVE_INFINITY;
    noteNewest(segment, newest);
    yield;
  }
  const keep: KeepRecord = (key, offset, timestamp, tombstone) =>
    key === null || (newest.get(key.toString('latin1')) === offset && !(tombstone && timestamp + policy.tombstoneRetentionMs <= now));
  let tombstonesDueAt = Number.POSITIVE_INFINITY;
  let group: Segment[] = [];
  let groupBytes = 0;
  let groupChanged = false;

  const flush = (): boolean => {
    const changed = groupChanged && group.length > 0;
    const held = !changed || partition.holds(group);
    // rewritten only while held: a rewrite replaces the group's files at once
    if (changed && held) partition.replace(group, storage.rewrite(group, keep, groupBytes));
    group = [];
    groupBytes = 0;
    groupChanged = false;
    return held;
  };

  for (const segment of sealed) {
    if (!partition.holds([segment])) return tombstonesDueAt;
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
    if (group.length > 0 && groupBytes + keptBytes > policy.segmentBytes && !flush()) return tombstonesDueAt;
    group.push(segment);
    groupBytes += keptBytes;
    groupChanged ||= dropped || group.length > 1;
    yield;
  }
  flush();
  return tombstonesDueAt;
}
