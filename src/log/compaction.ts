/**
 * Kafka's compact policy for the embedded log: sealed segments keep only the newest record of each
 * key (newest across the whole partition, the active segment included); a tombstone (null value)
 * stays until `tombstoneRetentionMs` after its append time so followers see the deletion, then goes
 * too. Kept records keep their offsets; the gaps are skipped by readers. Neighbouring segments that
 * shrank are merged while they fit in one segment, so a compacted partition does not splinter.
 */
import type { PartitionPolicy } from './retention.js';
import type { Segment } from './segment.js';
import { frameIsTombstone, frameKey, frameOffset, frameTimestamp } from './segment-frames.js';
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
    segment.forEachFrame((buf, at) => {
      const key = frameKey(buf, at);
      if (key !== null) newest.set(key.toString('latin1'), frameOffset(buf, at));
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
  const result: Segment[] = [];
  let tombstonesDueAt = Number.POSITIVE_INFINITY;
  let group: Segment[] = [];
  let groupFrames: Buffer[] = [];
  let groupBytes = 0;
  let groupChanged = false;

  const flush = (): void => {
    if (group.length === 0) return;
    if (!groupChanged) result.push(...group);
    else {
      const replacement = storage.replace(group, Buffer.concat(groupFrames, groupBytes));
      if (replacement !== null) result.push(replacement);
    }
    group = [];
    groupFrames = [];
    groupBytes = 0;
    groupChanged = false;
  };

  for (const segment of sealed) {
    const kept = Buffer.allocUnsafe(segment.size);
    let keptBytes = 0;
    let dropped = false;
    segment.forEachFrame((buf, at, length) => {
      const key = frameKey(buf, at);
      if (key !== null) {
        if (newest.get(key.toString('latin1')) !== frameOffset(buf, at)) {
          dropped = true;
          return;
        }
        if (frameIsTombstone(buf, at)) {
          const due = frameTimestamp(buf, at) + policy.tombstoneRetentionMs;
          if (due <= now) {
            dropped = true;
            return;
          }
          tombstonesDueAt = Math.min(tombstonesDueAt, due);
        }
      }
      keptBytes += buf.copy(kept, keptBytes, at, at + length);
    });
    if (group.length > 0 && groupBytes + keptBytes > policy.segmentBytes) flush();
    group.push(segment);
    groupFrames.push(kept.subarray(0, keptBytes));
    groupBytes += keptBytes;
    groupChanged ||= dropped || group.length > 1;
  }
  flush();
  return { sealed: result, tombstonesDueAt };
}
