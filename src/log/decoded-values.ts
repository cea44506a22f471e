/**
 * The producers' decoded values of a partition's newest records (LogRecord.decoded), bounded by a
 * record count and by the bytes of their values: older records lose theirs, and a consumer that falls
 * that far behind decodes their bytes like any other reader. Never persisted. (A consumer group that
 * handled a record drops its value sooner, see MemoryConsumer.)
 */
import { RecordWindow } from './record-window.js';
import type { LogRecord } from './types.js';

export class DecodedValues {
  private readonly window = new RecordWindow();

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  /** Takes note of the records that carry a decoded value, dropping the oldest values past the bounds. */
  push(records: readonly LogRecord[]): void {
    const window = this.window;
    for (const r of records) if (r.decoded !== undefined) window.push(r, r.value?.length ?? 0);
    while (window.exceeds(this.maxRecords, this.maxBytes)) window.dropOldest().decoded = undefined;
  }
}
