/**
 * Records in append order, each with a weight (its bytes), let go of from the oldest: what a
 * partition's recent records and decoded values are held in.
 */
import type { LogRecord } from './types.js';

/** What a dropped record's slot holds instead of it. */
const DROPPED: LogRecord = Object.freeze({
  topic: '',
  partition: 0,
  offset: '',
  key: null,
  value: null,
  headers: Object.freeze({}),
  timestamp: 0,
});

/** Slots of dropped records kept before the arrays are cut (once dropped ones are the larger part). */
const DROPPED_SLOTS_KEPT = 1024;

export class RecordWindow {
  private records: LogRecord[] = [];
  private weights: number[] = [];
  private head = 0;
  private total = 0;

  get held(): number {
    return this.records.length - this.head;
  }

  /** True while records are held past either bound (their count, their summed weight). */
  exceeds(maxRecords: number, maxWeight: number): boolean {
    return this.held > 0 && (this.held > maxRecords || this.total > maxWeight);
  }

  push(record: LogRecord, weight: number): void {
    this.records.push(record);
    this.weights.push(weight);
    this.total += weight;
  }

  /**
   * Lets go of the oldest record and returns it. Its slot stops referring to it at once: a slot kept
   * until the arrays are cut held the record's buffers, and with records of ~100 KB (a batch's item
   * deltas for one partition) that was ~100 MB a partition past the window's bound.
   */
  dropOldest(): LogRecord {
    const record = this.records[this.head];
    this.records[this.head] = DROPPED;
    this.total -= this.weights[this.head];
    this.head++;
    if (this.head > DROPPED_SLOTS_KEPT && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.head = 0;
    }
    return record;
  }

  /** The held records from the `first`-th oldest to before the `last`-th. */
  slice(first: number, last: number): LogRecord[] {
    return this.records.slice(this.head + first, this.head + last);
  }

  clear(): void {
    this.records = [];
    this.weights = [];
    this.head = 0;
    this.total = 0;
  }
}
