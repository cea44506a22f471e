import type { EventLog, OutgoingRecord, TopicPartition } from '../log/types.js';
import { inSlices } from '../slices.js';
import { StateRecordUnreadable } from './errors.js';

/**
 * A state store's changelog: a compacted topic holding the newest record of every key (a user, an
 * item) and, per partition, a checkpoint naming what the records written before it cover. Records
 * are JSON with a format tag, readable with any Kafka tool, or a store's binary form (StoreCodec); a
 * record of neither is refused.
 */
export const CHECKPOINT_KEY = '\u0000checkpoint';

/** A key's record (null: a tombstone), in the partition named or else the key's (Kafka's murmur2). */
export type StoreEntry<R> = [key: string, value: R | null, partition?: number];

/**
 * A binary form of a store's values; records it does not recognise are read as JSON (older writers).
 * It writes values of this version (W) and reads those of any (R).
 */
export interface StoreCodec<R, W extends R = R> {
  /** The records of `values`, in order. */
  encode(values: readonly W[]): Buffer[];
  /** The value a record holds; null when it is not of this form; throws when it is broken. */
  decode(bytes: Buffer): R | null;
}

export interface RestoredPartition<C> {
  checkpoint: C | null;
  /** Keys with a record (tombstones left out), in order of their newest write. */
  keys: number;
  bytes: number;
}

/** Values written are W, values restored R: what this version writes or an earlier one did. */
export class ChangelogStore<R, C, W extends R = R> {
  private writtenAt = 0;

  /**
   * `intervalMs`: how long after a write the next one is due (STATE_COMMIT_MS). `format` tags JSON
   * records; with a `codec`, values are written in its form instead (checkpoints stay JSON).
   */
  constructor(
    private readonly log: EventLog,
    readonly topic: string,
    private readonly format: string,
    private readonly intervalMs: number,
    private readonly codec: StoreCodec<R, W> | null = null,
  ) {}

  /** True when the last write is at least the interval ago (wall clock `now`). */
  due(now: number): boolean {
    return now - this.writtenAt >= this.intervalMs;
  }

  /**
   * Writes `entries` (null: the key's state is gone, a tombstone) and one checkpoint per partition
   * after them; returns the bytes written. `entries` is iterated as the records are made: an iterator
   * that builds each value when asked spreads that work over the write. With `sliceMs`, the write
   * lets other work run whenever it has made records that long, so a large commit is not one stall of
   * the event loop; the caller keeps what it stores from changing until the write returns.
   */
  async write(
    entries: Iterable<StoreEntry<W>>,
    checkpoints: ReadonlyArray<[number, C]>,
    now?: number,
    sliceMs = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    if (now !== undefined) this.writtenAt = now;
    const out: OutgoingRecord[] = [];
    await inSlices(entries, sliceMs, (group) => this.entryRecords(group, out));
    for (const [partition, checkpoint] of checkpoints) {
      out.push({
        topic: this.topic,
        partition,
        key: CHECKPOINT_KEY,
        value: Buffer.from(JSON.stringify({ f: this.format, c: checkpoint })),
      });
    }
    if (out.length === 0) return 0;
    await this.log.produce(out);
    return out.reduce((n, r) => n + (r.value?.length ?? 0), 0);
  }

  private entryRecords(entries: ReadonlyArray<StoreEntry<W>>, out: OutgoingRecord[]): void {
    const encoded = this.codec?.encode(entries.flatMap(([, value]) => (value === null ? [] : [value])));
    let next = 0;
    for (const [key, value, partition] of entries) {
      const bytes =
        value === null ? null : encoded !== undefined ? encoded[next++] : Buffer.from(JSON.stringify({ f: this.format, v: value }));
      out.push(partition === undefined ? { topic: this.topic, key, value: bytes } : { topic: this.topic, key, value: bytes, partition });
    }
  }

  /**
   * Reads a partition to its end, hands its newest checkpoint to `opened` (when there is one), then
   * every key's newest record to `load`, in order of that write (so recency follows it). Raw bytes
   * are held until the end, parsed one key at a time.
   */
  async restore(
    partition: number,
    load: (key: string, value: R) => void,
    opened: (checkpoint: C) => void = () => undefined,
  ): Promise<RestoredPartition<C>> {
    const tp: TopicPartition = { topic: this.topic, partition };
    const { low, high } = await this.log.offsets(tp);
    const newest = new Map<string, Buffer | null>();
    let checkpoint: Buffer | null = null;
    let bytes = 0;
    if (BigInt(high) > BigInt(low)) {
      await this.log.readRange(tp, low, high, (records) => {
        for (const r of records) {
          const key = r.key?.toString('utf8') ?? '';
          bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
          if (key === CHECKPOINT_KEY) {
            if (r.value !== null) checkpoint = r.value;
            continue;
          }
          newest.delete(key);
          newest.set(key, r.value);
        }
      });
    }
    let restored: C | null = null;
    if (checkpoint !== null) {
      const parsed = JSON.parse((checkpoint as Buffer).toString('utf8')) as { f?: unknown; c: C };
      if (parsed.f !== this.format) throw new StateRecordUnreadable(this.topic, partition, CHECKPOINT_KEY);
      restored = parsed.c;
    }
    if (restored !== null) opened(restored);
    let keys = 0;
    for (const [key, value] of newest) {
      if (value === null) continue;
      load(key, this.value(value, partition, key));
      keys++;
    }
    return { checkpoint: restored, keys, bytes };
  }

  private value(bytes: Buffer, partition: number, key: string): R {
    let parsed: { f?: unknown; v: R } | null = null;
    try {
      const decoded = this.codec?.decode(bytes) ?? null;
      if (decoded !== null) return decoded;
      parsed = JSON.parse(bytes.toString('utf8')) as { f?: unknown; v: R };
    } catch {
      // a broken record is as unreadable as one of another format
    }
    if (parsed?.f !== this.format) throw new StateRecordUnreadable(this.topic, partition, key);
    return parsed.v;
  }
}
