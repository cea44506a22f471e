/**
 * The producers' decoded values of a partition's newest records (LogRecord.decoded), bounded by a
 * record count and by the bytes of their values: older records lose theirs, and a consumer that falls
 * that far behind decodes their bytes like any other reader. Never persisted. (A consumer group that
 * handled a record drops its value sooner, see MemoryConsumer.)
 */
import type { LogRecord } from './types.js';

export class DecodedValues {
  private records: LogRecord[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  /** Takes note of the records that carry a decoded value, dropping the oldest values past the bounds. */
  push(records: readonly LogRecord[]): void {
    for (const r of records) {
      if (r.decoded === undefined) continue;
      this.records.push(r);
      this.bytes += r.value?.length ?? 0;
    }
    while (this.records.length - this.head > 0 && (this.records.length - this.head > this.maxRecords || this.bytes > this.maxBytes)) {
      const r = this.records[this.head++];
      this.bytes -= r.value?.length ?? 0;
      r.decoded = undefined;
    }
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}
