/**
 * The newest records of a partition, decoded, so consumers keeping up never read a segment back.
 * Holds a contiguous run of offsets ending at the partition's high watermark, bounded by a record
 * count and by the bytes of their frames.
 */
import type { LogRecord } from './types.js';

/**
 * The records with their keys and values copied into one allocation of exactly their size. A
 * producer's small buffers are views into Node's shared 8 KiB pool slabs, and a record held here
 * would hold its whole slab: for records of tens of bytes, a hundred times the bytes counted.
 */
function ownCopies(records: readonly LogRecord[]): LogRecord[] {
  let bytes = 0;
  for (const r of records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
  const block = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  const copy = (b: Buffer | null): Buffer | null => {
    if (b === null) return null;
    b.copy(block, at);
    at += b.length;
    return block.subarray(at - b.length, at);
  };
  return records.map((r) => ({ ...r, key: copy(r.key), value: copy(r.value) }));
}

export class RecentRecords {
  private records: LogRecord[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  /** Offset of the oldest record held (the high watermark when none is). */
  start: number;

  constructor(
    high: number,
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {
    this.start = high;
  }

  get held(): number {
    return this.records.length - this.head;
  }

  /**
   * Holds copies of the appended records (see ownCopies), or the records themselves when their keys
   * and values are `viewsOfFrames` (bytes of the log's own, held once), and returns them: what
   * consumers will read. Only the newest that fit the bounds are copied: the rest would go again at
   * once (a state store's commit of 45 MB was copied whole to keep its last 8 MiB).
   */
  push(appended: LogRecord[], sizes: readonly number[], viewsOfFrames = false): LogRecord[] {
    const n = appended.length;
    let fit = 0;
    let fitBytes = 0;
    while (fit < n && fit < this.maxRecords && fitBytes + sizes[n - 1 - fit] <= this.maxBytes) fitBytes += sizes[n - 1 - fit++];
    if (fit < n) {
      // everything held before, and the appended records older than the fitting ones, goes
      this.start = Number(appended[n - 1].offset) + 1 - fit;
      this.records = [];
      this.sizes = [];
      this.head = 0;
      this.bytes = 0;
      appended = appended.slice(n - fit);
      sizes = sizes.slice(n - fit);
    }
    const records = viewsOfFrames ? appended : ownCopies(appended);
    for (let i = 0; i < records.length; i++) {
      this.records.push(records[i]);
      this.sizes.push(sizes[i]);
      this.bytes += sizes[i];
    }
    while (this.held > 0 && (this.held > this.maxRecords || this.bytes > this.maxBytes)) this.dropOne();
    this.pack();
    return records;
  }

  /** Forgets records below `offset` (retention or compaction reached them). */
  dropBelow(offset: number): void {
    while (this.held > 0 && this.start < offset) this.dropOne();
    this.pack();
  }

  /** Up to `max` records from `from` (≥ start) until `stop`. */
  slice(from: number, stop: number, max: number): LogRecord[] {
    const first = this.head + (from - this.start);
    const last = this.head + Math.min(stop - this.start, from - this.start + max, this.held);
    return first < last ? this.records.slice(first, last) : [];
  }

  private dropOne(): void {
    this.bytes -= this.sizes[this.head];
    this.head++;
    this.start++;
  }

  /** Gives back the array room of dropped records once they are the larger part. */
  private pack(): void {
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
