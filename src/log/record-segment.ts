/**
 * A segment of a log without a data directory: the records themselves, in offset order. Its size
 * counts their frame sizes, so budgets mean the bytes a file would hold.
 */
import type { Segment } from './segment.js';
import { frameSize } from './segment-frames.js';
import type { LogRecord, TopicPartition } from './types.js';

export class RecordSegment implements Segment {
  next: number;
  firstTimestamp = Number.NaN;
  maxTimestamp = Number.NEGATIVE_INFINITY;
  size = 0;
  private readonly records: LogRecord[] = [];

  constructor(readonly base: number) {
    this.next = base;
  }

  get count(): number {
    return this.records.length;
  }

  /** Appends `records[from, to)`, offsets given, whose frame sizes are `sizes[from, to)`. */
  append(records: readonly LogRecord[], sizes: readonly number[], from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const record = records[i];
      if (this.records.length === 0) this.firstTimestamp = record.timestamp;
      if (record.timestamp > this.maxTimestamp) this.maxTimestamp = record.timestamp;
      this.records.push(record);
      this.size += sizes[i];
    }
    if (to > from) this.next = Number(records[to - 1].offset) + 1;
  }

  read(from: number, stop: number, max: number, _tp: TopicPartition, out: LogRecord[]): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Number(this.records[mid].offset) < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.records.length; i++) {
      const offset = Number(this.records[i].offset);
      if (offset >= stop) return stop;
      out.push(this.records[i]);
      if (out.length >= max) return offset + 1;
    }
    return stop;
  }

  scan(visit: (key: Buffer | null, offset: number, timestamp: number, tombstone: boolean, size: number) => void): void {
    for (const r of this.records) visit(r.key, Number(r.offset), r.timestamp, r.value === null, frameSize(r));
  }

  /** Its records, for rewriting it. */
  entries(): readonly LogRecord[] {
    return this.records;
  }
}
