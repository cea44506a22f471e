import { setImmediate as nextTurn } from 'node:timers/promises';
import { tpKey } from '../log/topic-partition.js';
import type { EventLog, Headers, LogRecord, OutgoingRecord, TopicPartition } from '../log/types.js';
import { inSlices } from '../slices.js';
import { StateRecordUnreadable } from './errors.js';

/**
 * A state store's changelog: a compacted topic holding the newest record of every key (a user, an
 * item) and, per partition, a checkpoint naming what the records written before it cover. Records
 * are JSON with a format tag, readable with any Kafka tool, or a store's binary form (StoreCodec); a
 * record of neither is refused.
 */
export const CHECKPOINT_KEY = '\u0000checkpoint';

/**
 * Bytes of values per produce of a sliced write: the embedded log copies a produce's records in one
 * go (~1 ms for this much), and a Kafka log sends it as one request (under its 1,000,000 bytes).
 */
const PIECE_BYTES = 512 * 1024;

/** A key's record (null: a tombstone), in the partition named or else the key's (Kafka's murmur2). */
export type StoreEntry<R> = [key: string, value: R | null, partition?: number];

/**
 * What a record reflects, as Kafka Streams' changelog records carry their position: each input
 * topic-partition (tpKey) → the next offset not held. A commit's records and checkpoint in a
 * partition share one; a record whose position is ahead of the checkpoint's was written by a commit
 * that never wrote its checkpoint (a crash between its produce requests), and a restore must not
 * apply to its key again what the record already holds.
 */
export type Position = Readonly<Record<string, string>>;

/**
 * The header carrying a record's Position, as `topic/partition=offset` pairs separated by spaces
 * (Kafka topic names hold neither): every record carries it, so it is kept short.
 */
export const POSITION_HEADER = 'recstream-position';

export function positionText(position: Position): string {
  return Object.entries(position)
    .map(([tp, offset]) => `${tp}=${offset}`)
    .join(' ');
}

export function parsePosition(text: string): Record<string, string> {
  const position: Record<string, string> = {};
  for (const pair of text.split(' ')) {
    const at = pair.lastIndexOf('=');
    if (at > 0) position[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return position;
}

/** One partition's part of a commit: its checkpoint, the position of its records, and what else they carry. */
export interface PartitionCommit<C> {
  partition: number;
  checkpoint: C;
  position: Position;
  /** More headers every record of the partition's commit carries, read back with RestoredPartition.aheadHeaders. */
  headers?: Headers;
}

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
  /**
   * Keys (tombstones included) whose newest record is ahead of the checkpoint, with its position:
   * written by a commit whose checkpoint never landed. Empty after a whole commit.
   */
  ahead: Map<string, Position>;
  /** The headers of the last record written ahead of the checkpoint (the commit that got furthest), or null. */
  aheadHeaders: Headers | null;
}

/** True when `position` holds an offset beyond `than`'s for some topic-partition. */
export function positionAhead(position: Position, than: Position): boolean {
  for (const tp in position) {
    const other = than[tp];
    if (other === undefined || offsetAbove(position[tp], other)) return true;
  }
  return false;
}

/** True when a record at `position` holds the input `record` (it is before the position's offset of its partition). */
export function positionHolds(position: Position | undefined, record: LogRecord): boolean {
  if (position === undefined) return false;
  const at = position[tpKey(record)];
  return at !== undefined && offsetAbove(at, record.offset);
}

/** a > b for two offsets as decimal strings (no BigInt per record). */
function offsetAbove(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/** Values written are W, values restored R: what this version writes or an earlier one did. */
export class ChangelogStore<R, C, W extends R = R> {
  private writtenAt = 0;

  /**
   * `intervalMs`: how often a write is due (STATE_COMMIT_MS), at the multiples of it on the wall clock
   * shifted by `phaseMs`. `format` tags JSON records; with a `codec`, values are written in its form
   * instead (checkpoints stay JSON).
   */
  constructor(
    private readonly log: EventLog,
    readonly topic: string,
    private readonly format: string,
    private readonly intervalMs: number,
    private readonly codec: StoreCodec<R, W> | null = null,
    private readonly phaseMs = 0,
  ) {}

  /**
   * True when one of the store's write times has passed since its last write (wall clock `now`). The
   * times are fixed on the clock rather than counted from the last write, so two stores of a process
   * given phases half an interval apart keep their writes apart however late each one starts.
   */
  due(now: number): boolean {
    if (this.intervalMs <= 0) return true;
    return this.period(now) > this.period(this.writtenAt);
  }

  private period(at: number): number {
    return Math.floor((at - this.phaseMs) / this.intervalMs);
  }

  /**
   * Writes `entries` (null: the key's state is gone, a tombstone) and one checkpoint per partition
   * after them; returns the bytes written. `entries` is iterated as the records are made: an iterator
   * that builds each value when asked spreads that work over the write. With `sliceMs`, the write
   * starts on the next turn of the event loop, lets other work run whenever it has made records that
   * long and produces them a piece at a time, so a large commit is not one stall of the event loop;
   * the caller keeps what it stores from changing until the write returns. Each
   * record of a partition named in `commits` carries its position (entries must then name their
   * partition): a crash before the checkpoints land leaves records a restore reports as ahead.
   * Nothing is produced before `after` resolves (what must be durable before the records are).
   */
  async write(
    entries: Iterable<StoreEntry<W>>,
    commits: ReadonlyArray<PartitionCommit<C>>,
    now?: number,
    sliceMs = Number.POSITIVE_INFINITY,
    after: Promise<void> = Promise.resolve(),
  ): Promise<number> {
    if (now !== undefined) this.writtenAt = now;
    const headers = new Map<number, Headers>();
    // frozen: every record of the partition shares the one object (the log keeps it, not a copy)
    for (const c of commits) headers.set(c.partition, Object.freeze({ ...c.headers, [POSITION_HEADER]: positionText(c.position) }));
    const out: OutgoingRecord[] = [];
    const sliced = sliceMs !== Number.POSITIVE_INFINITY;
    // asked for at the end of a batch: that batch's pushes (and the other consumers' batches of this
    // turn) go first
    if (sliced) await nextTurn();
    await inSlices(entries, sliceMs, (group) => this.entryRecords(group, headers, out));
    for (const c of commits) {
      out.push({
        topic: this.topic,
        partition: c.partition,
        key: CHECKPOINT_KEY,
        value: Buffer.from(JSON.stringify({ f: this.format, c: c.checkpoint })),
        headers: headers.get(c.partition),
      });
    }
    if (out.length === 0) return 0;
    await after;
    return this.produceInPieces(out, sliced);
  }

  /**
   * Produces `out` in order; when `sliced`, in pieces of at most PIECE_BYTES of values (or one larger
   * record) with a turn of the event loop between them (a commit's records are megabytes). The
   * checkpoints, last, land after every record they cover. Returns the bytes written.
   */
  private async produceInPieces(out: OutgoingRecord[], sliced: boolean): Promise<number> {
    const limit = sliced ? PIECE_BYTES : Number.POSITIVE_INFINITY;
    let written = 0;
    let start = 0;
    let pieceBytes = 0;
    for (let i = 0; i < out.length; i++) {
      const bytes = out[i].value?.length ?? 0;
      if (i > start && pieceBytes + bytes > limit) {
        await this.log.produce(out.slice(start, i));
        await nextTurn();
        start = i;
        pieceBytes = 0;
      }
      pieceBytes += bytes;
      written += bytes;
    }
    await this.log.produce(start === 0 ? out : out.slice(start));
    return written;
  }

  private entryRecords(entries: ReadonlyArray<StoreEntry<W>>, headers: ReadonlyMap<number, Headers>, out: OutgoingRecord[]): void {
    const encoded = this.codec?.encode(entries.flatMap(([, value]) => (value === null ? [] : [value])));
    let next = 0;
    for (const [key, value, partition] of entries) {
      const bytes =
        value === null ? null : encoded !== undefined ? encoded[next++] : Buffer.from(JSON.stringify({ f: this.format, v: value }));
      if (partition === undefined) out.push({ topic: this.topic, key, value: bytes });
      else out.push({ topic: this.topic, key, value: bytes, partition, headers: headers.get(partition) });
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
    /** The position header of each key's newest record, when it has one, in order of that write. */
    const positions = new Map<string, string>();
    /** The headers of one record per position (a commit's records carry the same ones). */
    const headersAt = new Map<string, Headers>();
    let checkpoint: Buffer | null = null;
    let checkpointPosition: string | null = null;
    let bytes = 0;
    if (BigInt(high) > BigInt(low)) {
      await this.log.readRange(tp, low, high, (records) => {
        for (const r of records) {
          const key = r.key?.toString('utf8') ?? '';
          bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
          const position = r.headers[POSITION_HEADER];
          if (key === CHECKPOINT_KEY) {
            if (r.value === null) continue;
            checkpoint = r.value;
            checkpointPosition = position ?? null;
            continue;
          }
          newest.delete(key);
          newest.set(key, r.value);
          positions.delete(key);
          if (position === undefined) continue;
          positions.set(key, position);
          if (!headersAt.has(position)) headersAt.set(position, r.headers);
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
    const { ahead, last } = this.aheadOf(positions, checkpointPosition);
    let keys = 0;
    for (const [key, value] of newest) {
      if (value === null) continue;
      load(key, this.value(value, partition, key));
      keys++;
    }
    return { checkpoint: restored, keys, bytes, ahead, aheadHeaders: last === null ? null : (headersAt.get(last) ?? null) };
  }

  /**
   * The keys whose position is ahead of the checkpoint's (every positioned key when the checkpoint
   * has none: it was written before positions were, or never), and the last of them written.
   */
  private aheadOf(
    positions: ReadonlyMap<string, string>,
    checkpoint: string | null,
  ): { ahead: Map<string, Position>; last: string | null } {
    const covered: Position = checkpoint === null ? {} : parsePosition(checkpoint);
    // a commit's records share one header string: each is parsed and compared once
    const judged = new Map<string, Position | null>();
    const ahead = new Map<string, Position>();
    let last: string | null = null;
    for (const [key, header] of positions) {
      let position = judged.get(header);
      if (position === undefined) {
        const parsed = parsePosition(header);
        position = positionAhead(parsed, covered) ? parsed : null;
        judged.set(header, position);
      }
      if (position === null) continue;
      ahead.set(key, position);
      last = header;
    }
    return { ahead, last };
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
