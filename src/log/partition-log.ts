/**
 * One partition of the embedded log: its segments (frames in files under a data directory, in
 * memory without one) and the policy that bounds them (retention, or compaction for a compacted
 * topic). Memory holds each segment's sparse index and the newest records decoded for consumers
 * that keep up; anything older is decoded from its segment when read.
 */
import { type CompactedSegments, compaction } from './compaction.js';
import { DecodedValues } from './decoded-values.js';
import { RecentRecords } from './recent-records.js';
import { expiredSegments, type PartitionPolicy } from './retention.js';
import type { Segment } from './segment.js';
import { frameSize } from './segment-frames.js';
import type { SegmentStorage } from './segment-storage.js';
import type { LogRecord, TopicPartition } from './types.js';

/** Bytes of the recent records held decoded per partition (their count is the storage's `recentRecords`). */
const RECENT_BYTES = 8 * 1024 * 1024;
/** Compaction in steps begins when a third of the sealed bytes are new; compactionOverdue says when it is late. */
const STEPPED_SHARE = 3;
const OVERDUE_FACTOR = 3;

export class PartitionLog {
  private segments: Segment[];
  private readonly recent: RecentRecords;
  /** The producers' decoded values of the newest records, for consumers in this process. */
  private readonly decoded: DecodedValues;
  private totalBytes = 0;
  /** Bytes of sealed segments not compacted since this process opened the partition. */
  private dirtyBytes = 0;
  private tombstonesDueAt = Number.POSITIVE_INFINITY;
  /** The compaction pass under way, if any, and the base of the segment that was active when it began. */
  private pass: Generator<void, number> | null = null;
  private passEnd = 0;
  /** Sealed bytes the last pass left (0 before the first). */
  private keptBytes = 0;

  constructor(
    readonly tp: TopicPartition,
    private readonly storage: SegmentStorage,
    private readonly policy: PartitionPolicy,
    public compacted = false,
  ) {
    this.segments = storage.load();
    if (this.segments.length === 0) this.segments.push(storage.create(0));
    for (const s of this.segments) this.totalBytes += s.size;
    this.dirtyBytes = this.totalBytes - this.active.size;
    this.recent = new RecentRecords(this.high, storage.recentRecords, RECENT_BYTES);
    this.decoded = new DecodedValues(storage.recentRecords, RECENT_BYTES);
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /** Offset of the first segment: nothing below it can be read. */
  get low(): number {
    return this.segments[0].base;
  }

  /** Offset the next record gets. */
  get high(): number {
    return this.active.next;
  }

  /** Bytes of all segments. */
  get size(): number {
    return this.totalBytes;
  }

  /**
   * Appends this partition's records: gives them consecutive offsets from `high` (in place, before
   * anyone sees them) and stores them.
   */
  append(records: LogRecord[]): void {
    const first = this.high;
    const sizes: number[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      records[i].offset = String(first + i);
      sizes[i] = frameSize(records[i]);
    }
    let start = 0;
    while (start < records.length) {
      if (this.full(sizes[start], records[start].timestamp)) this.roll();
      const active = this.active;
      const firstTimestamp = active.count > 0 ? active.firstTimestamp : records[start].timestamp;
      let end = start + 1;
      let bytes = sizes[start];
      while (
        end < records.length &&
        active.size + bytes + sizes[end] <= this.policy.segmentBytes &&
        records[end].timestamp - firstTimestamp < this.policy.segmentMs
      ) {
        bytes += sizes[end++];
      }
      this.storage.append(active, records, sizes, start, end);
      this.totalBytes += bytes;
      start = end;
    }
    // the decoded values of the records consumers will read: the recent ones
    this.decoded.push(this.recent.push(records, sizes, this.storage.appendLeavesViews));
  }

  /** The active segment would grow past its size or time with this record. */
  private full(size: number, timestamp: number): boolean {
    const active = this.active;
    return (
      active.count > 0 && (active.size + size > this.policy.segmentBytes || timestamp - active.firstTimestamp >= this.policy.segmentMs)
    );
  }

  private roll(): void {
    const sealed = this.active;
    this.storage.seal(sealed);
    this.dirtyBytes += sealed.size;
    this.segments.push(this.storage.create(sealed.next));
  }

  /**
   * Up to `max` records from `from` (raised to `low`, as a consumer reset to the earliest offset)
   * until `stop`, skipping compaction's gaps; `next` is where to read on.
   */
  read(from: number, stop: number, max: number): { records: LogRecord[]; next: number } {
    let at = Math.max(from, this.low);
    const end = Math.min(stop, this.high);
    const recent = this.recent;
    const recentStart = recent.start;
    if (at >= recentStart) {
      const records = at < end ? recent.slice(at, end, max) : [];
      return { records, next: at + records.length };
    }
    const out: LogRecord[] = [];
    while (at < end && out.length < max) {
      if (at >= recentStart) {
        const records = recent.slice(at, end, max - out.length);
        for (const r of records) out.push(r);
        at += records.length;
        break;
      }
      const i = this.segmentAt(at);
      const segmentEnd = i + 1 < this.segments.length ? this.segments[i + 1].base : this.high;
      at = this.segments[i].read(at, Math.min(end, segmentEnd, recentStart), max, this.tp, out);
    }
    return { records: out, next: at };
  }

  /** Index of the last segment based at or before `offset`. */
  private segmentAt(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid].base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Applies the partition's policy: retention, or compaction for a compacted topic. */
  enforce(now: number): void {
    if (this.compacted) this.compactIfDue(now);
    else this.deleteExpired(now);
  }

  /**
   * Deletes the closed segments whose records all lie below `offset` (Kafka's DeleteRecords moves the
   * log start offset; its segments go as wholes, as here). Returns the new low.
   */
  deleteBefore(offset: number): number {
    let count = 0;
    while (count < this.segments.length - 1 && this.segments[count].next <= offset) count++;
    this.drop(count);
    return this.low;
  }

  private deleteExpired(now: number): void {
    this.drop(expiredSegments(this.segments, this.totalBytes, this.policy.retention, now));
  }

  /** Drops the `count` oldest segments (all of them: a new empty active segment is rolled first). */
  private drop(count: number): void {
    if (count === 0) return;
    if (count === this.segments.length) this.roll();
    for (const segment of this.segments.splice(0, count)) {
      this.totalBytes -= segment.size;
      this.dirtyBytes = Math.max(0, this.dirtyBytes - segment.size);
      this.storage.remove(segment);
    }
    this.recent.dropBelow(this.low);
  }

  /**
   * Like Kafka's cleaner: once a `share` of the sealed bytes is new since the last pass began (half
   * when compacting at once), or a tombstone is due.
   */
  private compactionDue(now: number, share = 2): boolean {
    const sealedBytes = this.totalBytes - this.active.size;
    const dirty = this.dirtyBytes > 0 && this.dirtyBytes * share >= sealedBytes;
    return dirty || this.tombstonesDueAt <= now;
  }

  /**
   * True when compaction in steps has fallen behind: the sealed bytes are more than three times what
   * the last pass left, plus a segment (a pass at once would have begun at twice). Passes in steps
   * begin well before, so this is reached when appends outrun them, or when one produce brings about
   * as many bytes as the partition holds (a state store's commit); compacting at once then keeps the
   * partition within three times what a pass leaves, plus a segment, one produce and the active
   * segment. The segment's worth of slack is for a roll, which seals a whole segment at once: in a
   * table much smaller than a segment (the global table's rows, each rewritten many times over) every
   * roll made the partition overdue, and the produce that rolled it ran a pass over the segment
   * (~100 ms) where steps would have compacted it beside the work.
   */
  compactionOverdue(): boolean {
    const sealedBytes = this.totalBytes - this.active.size;
    return this.compacted && this.dirtyBytes > 0 && sealedBytes > OVERDUE_FACTOR * this.keptBytes + this.policy.segmentBytes;
  }

  /** Compacts now, to the end: a pass under way is finished, then one over what it left if due. */
  private compactIfDue(now: number): void {
    for (let passes = 0; passes < 2; passes++) {
      if (this.pass === null) {
        if (!this.compactionDue(now)) return;
        this.startPass(now);
      }
      while (this.pass !== null) this.stepPass();
    }
  }

  /**
   * Compaction in steps, for a caller that spreads it over turns of the event loop: starts a pass when
   * one is due and takes steps until `until()` says stop; returns true while the pass has steps left.
   */
  compactInSteps(now: number, until: () => boolean): boolean {
    if (!this.compacted) return false;
    if (this.pass === null && this.compactionDue(now, STEPPED_SHARE)) this.startPass(now);
    while (this.pass !== null && !until()) this.stepPass();
    return this.pass !== null;
  }

  private startPass(now: number): void {
    const sealed = this.segments.slice(0, -1);
    // what is sealed from here on is the next pass's dirty part
    this.dirtyBytes = 0;
    this.passEnd = this.active.base;
    this.pass = compaction(sealed, this.active, this.storage, this.policy, now, this.compactedSegments);
  }

  private stepPass(): void {
    const step = (this.pass as Generator<void, number>).next();
    if (step.done !== true) return;
    this.pass = null;
    this.tombstonesDueAt = step.value;
    this.keptBytes = 0;
    for (const segment of this.segments) if (segment.base < this.passEnd) this.keptBytes += segment.size;
    // Records of the compacted segments are read back compacted from now on.
    this.recent.dropBelow(this.passEnd);
  }

  private readonly compactedSegments: CompactedSegments = {
    holds: (group) => {
      const at = this.segments.indexOf(group[0]);
      return at >= 0 && group.every((s, k) => this.segments[at + k] === s);
    },
    replace: (group, replacement) => {
      const at = this.segments.indexOf(group[0]);
      for (const s of group) this.totalBytes -= s.size;
      if (replacement === null) this.segments.splice(at, group.length);
      else {
        this.segments.splice(at, group.length, replacement);
        this.totalBytes += replacement.size;
      }
    },
  };

  close(): void {
    // a pass ended here gives up what it staged
    this.pass?.return(Number.POSITIVE_INFINITY);
    this.pass = null;
    this.storage.close(this.segments);
  }
}
