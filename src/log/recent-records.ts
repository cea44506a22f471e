/**
 * The newest records of a partition, decoded, so consumers keeping up never read a segment back.
 * Holds a contiguous run of offsets ending at the partition's high watermark, bounded by a record
 * count and by the bytes of their frames.
 */
import { RecordWindow } from './record-window.js';
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
  /** Weighed by their frames' sizes. */
  private readonly window = new RecordWindow();
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
    return this.window.held;
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
      this.window.clear();
      appended = appended.slice(n - fit);
      sizes = sizes.slice(n - fit);
    }
    const records = viewsOfFrames ? appended : ownCopies(appended);
    const window = this.window;
    for (let i = 0; i < records.length; i++) window.push(records[i], sizes[i]);
    while (window.exceeds(this.maxRecords, this.maxBytes)) this.dropOne();
    return records;
  }

  /** Forgets records below `offset` (retention or compaction reached them). */
  dropBelow(offset: number): void {
    while (this.held > 0 && this.start < offset) this.dropOne();
  }

  /** Up to `max` records from `from` (≥ start) until `stop`. */
  slice(from: number, stop: number, max: number): LogRecord[] {
    const first = from - this.start;
    const last = Math.min(stop - this.start, from - this.start + max, this.held);
    return first < last ? this.window.slice(first, last) : [];
  }

  private dropOne(): void {
    this.window.dropOldest();
    this.start++;
  }
}
