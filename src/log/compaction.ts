/**
 * Kafka's compact policy for the embedded log: sealed segments keep only the newest record of each
 * key (newest across the whole partition, the active segment included); a tombstone (null value)
 * stays until `tombstoneRetentionMs` after its append time so followers see the deletion, then goes
 * too. Kept records keep their offsets; the gaps are skipped by readers. Neighbouring segments that
 * shrank are merged while they fit in one segment, so a compacted partition does not splinter.
 */
import type { PartitionPolicy } from './retention.js';
import { type KeepRecord, type Segment, stepThroughBytes } from './segment.js';
import { keptFrames, type SegmentStorage, type StagedFrames } from './segment-storage.js';

/** The partition a compaction pass works on. */
export interface CompactedSegments {
  /** True while the partition holds `group` (consecutive segments) as it was. */
  holds(group: readonly Segment[]): boolean;
  /** Puts `replacement` (none: the group was emptied) where `group` was. */
  replace(group: readonly Segment[], replacement: Segment | null): void;
}

/**
 * Frame bytes one step of a pass reads at most: a quarter of a segment, and at most this. A step per
 * segment read, or group rewritten, held the event loop 5–130 ms with 16 MiB segments; a MiB read
 * from a segment file not in the page cache took up to 35 ms.
 */
const STEP_BYTES = 256 * 1024;

/**
 * Scans `segment` a step at a time from its start to its size as it is now (records appended later
 * are not looked at), handing each record to `visit`. Ends with false when the partition no longer
 * holds the segment.
 */
function scanInSteps(
  segment: Segment,
  stepBytes: number,
  partition: CompactedSegments,
  visit: (key: Buffer | null, offset: number, timestamp: number, tombstone: boolean, size: number) => void,
): Generator<void, boolean> {
  const end = segment.size;
  return stepThroughBytes(
    end,
    () => partition.holds([segment]),
    (at) => segment.scan(visit, at, Math.min(stepBytes, end - at)),
  );
}

/** Writes `frames` to `staged` a step of at most `stepBytes` at a time; false when `held` turns false first. */
function writeInSteps(staged: StagedFrames, frames: Buffer, stepBytes: number, held: () => boolean): Generator<void, boolean> {
  return stepThroughBytes(frames.length, held, (at) => {
    const to = Math.min(frames.length, at + stepBytes);
    staged.write(frames, at, to);
    return to;
  });
}

/**
 * One compaction pass over `sealed`, in steps that each read at most a quarter of a segment (and 256
 * KiB) of frames (the partition takes appends, and its readers read, between steps): the newest
 * offset of every key is noted, then the sealed segments are read again for what they keep, and each
 * group of them is gathered and rewritten, taking its place in the partition at once. A pass whose
 * segments the partition no longer holds (deleted meanwhile) ends. Returns when the earliest
 * tombstone kept becomes removable (Infinity when none is).
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
  const stepBytes = Math.max(1, Math.min(STEP_BYTES, Math.floor(policy.segmentBytes / 4)));
  const newest = new Map<string, number>();
  const noteNewest = (key: Buffer | null, offset: number): void => {
    if (key !== null) newest.set(key.toString('latin1'), offset);
  };
  for (const segment of [...sealed, active]) {
    if (!(yield* scanInSteps(segment, stepBytes, partition, noteNewest))) return Number.POSITIVE_INFINITY;
  }
  const keep: KeepRecord = (key, offset, timestamp, tombstone) =>
    key === null || (newest.get(key.toString('latin1')) === offset && !(tombstone && timestamp + policy.tombstoneRetentionMs <= now));
  let tombstonesDueAt = Number.POSITIVE_INFINITY;
  let group: Segment[] = [];
  let groupBytes = 0;
  let groupChanged = false;

  /**
   * Rewrites the group when it changed; false when the partition let go of it first. Its kept frames
   * are gathered, then written where the storage stages them, a step at a time; the staged frames are
   * given up when the pass ends (or is ended) before they take the group's place.
   */
  function* flush(): Generator<void, boolean> {
    const changed = groupChanged && group.length > 0;
    const rewritten = group;
    const bytes = groupBytes;
    group = [];
    groupBytes = 0;
    groupChanged = false;
    if (!changed) return true;
    const held = (): boolean => partition.holds(rewritten);
    const frames = yield* keptFrames(rewritten, keep, bytes, stepBytes, held);
    if (frames === undefined) return false;
    const staged = frames === null ? null : storage.stage(rewritten);
    let installed = false;
    try {
      if (frames !== null && staged !== null && !(yield* writeInSteps(staged, frames, stepBytes, held))) return false;
      // rewritten only while held: a rewrite replaces the group's files at once
      if (!held()) return false;
      partition.replace(rewritten, storage.rewrite(rewritten, frames, bytes, staged));
      installed = true;
      return true;
    } finally {
      if (!installed) staged?.discard();
    }
  }

  for (const segment of sealed) {
    let keptBytes = 0;
    let dropped = false;
    const held = yield* scanInSteps(segment, stepBytes, partition, (key, offset, timestamp, tombstone, size) => {
      if (!keep(key, offset, timestamp, tombstone)) {
        dropped = true;
        return;
      }
      keptBytes += size;
      if (tombstone && key !== null) tombstonesDueAt = Math.min(tombstonesDueAt, timestamp + policy.tombstoneRetentionMs);
    });
    if (!held) return tombstonesDueAt;
    if (group.length > 0 && groupBytes + keptBytes > policy.segmentBytes && !(yield* flush())) return tombstonesDueAt;
    group.push(segment);
    groupBytes += keptBytes;
    groupChanged ||= dropped || group.length > 1;
  }
  yield* flush();
  return tombstonesDueAt;
}
