import { setImmediate as nextTurn } from 'node:timers/promises';
import { difference, notifyAssignment } from './assignment.js';
import { ConsumerAlreadyRunning, ConsumerStopped } from './errors.js';
import { errorFields, type LogSink } from './log-logger.js';
import type { GroupMember, MemoryGroup } from './memory-group.js';
import { recordsLostMessage } from './records-lost.js';
import { Backoff, Signal } from './signal.js';
import { compareTp, tpKey } from './topic-partition.js';
import type {
  AssignmentListener,
  BatchApplied,
  BatchHandler,
  ConsumerOptions,
  GroupConsumer,
  LogRecord,
  PartitionBatch,
  TopicPartition,
} from './types.js';

/** What a consumer needs from the embedded log. */
export interface PartitionSource {
  /** The partition's first and next offsets, and whether its topic is compacted. */
  bounds(tp: TopicPartition): { low: number; high: number; compacted: boolean };
  /** Up to `max` records from `from` on (from the low when `from` is below it); `next` is where to read on. */
  read(tp: TopicPartition, from: number, max: number): { records: LogRecord[]; next: number };
  /** Registers a member for wake-ups on new records; returns the unregister function. */
  watch(topics: readonly string[], signal: Signal): () => void;
}

let memberSeq = 0;

interface DeletedUnread {
  tp: TopicPartition;
  /** Deleted unread since the last warning. */
  records: number;
  /** The offset the group reads on from after the latest of them. */
  readingFrom: number;
  warnedAt: number;
  /** The warning held back by DELETED_WARNING_MS, due when it has passed. */
  due: NodeJS.Timeout | null;
}

/** How many times `maxBatch` a batch of a partition far behind may hold (batchFor). */
const BACKLOG_BATCH_FACTOR = 4;

/** Batches handed over one after the other within one turn of the event loop, until they have taken this long. */
const HANDOVER_SLICE_MS = 4;

/** A partition whose unread records retention keeps deleting is warned of at most this often. */
const DELETED_WARNING_MS = 10_000;
const EMBEDDED_RETENTION_FIX = 'Keep LOG_RETENTION_BYTES and LOG_RETENTION_MS above the backlog the group can have';

/** One member of a consumer group on the embedded log: one batch of one partition at a time. */
export class MemoryConsumer implements GroupConsumer, GroupMember {
  readonly id = `member-${++memberSeq}`;
  readonly topics: readonly string[];
  private readonly fromBeginning: boolean;
  private readonly startAt: ReadonlyArray<TopicPartition & { offset: string }>;
  private readonly largerBatchesBehind: boolean;
  private readonly signal = new Signal();
  private readonly backoff = new Backoff();
  private readonly positions = new Map<string, number>();
  private owned: TopicPartition[] = [];
  private handler: BatchHandler | null = null;
  private listener: AssignmentListener = {};
  private paused = true;
  private stopped = false;
  private busy: Promise<void> | null = null;
  private loopDone: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private unwatch: (() => void) | null = null;
  private turn = 0;
  /** Per partition: records retention deleted before they were read, not yet warned of, and when it last warned. */
  private readonly deletedUnread = new Map<string, DeletedUnread>();

  constructor(
    options: ConsumerOptions,
    private readonly group: MemoryGroup,
    private readonly source: PartitionSource,
    private readonly maxBatch: number,
    private readonly logger: LogSink,
    private readonly onStopped: (member: MemoryConsumer) => void,
  ) {
    this.topics = [...new Set(options.topics)];
    this.fromBeginning = options.fromBeginning ?? true;
    this.startAt = options.startAt ?? [];
    this.largerBatchesBehind = options.largerBatchesBehind ?? false;
  }

  /** Resolves once the member has joined and its first partitions are assigned. */
  async run(handler: BatchHandler, listener: AssignmentListener = {}): Promise<void> {
    if (this.stopped) throw new ConsumerStopped();
    if (this.handler) throw new ConsumerAlreadyRunning();
    this.handler = handler;
    this.listener = listener;
    this.unwatch = this.source.watch(this.topics, this.signal);
    this.loopDone = this.loop();
    for (const tp of this.startAt) if (this.group.committed(tp) === null) this.group.commit(tp, Number(tp.offset));
    await this.group.join(this);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.handler) await this.group.leave(this);
      this.stopped = true;
      this.backoff.cancel();
      this.signal.notify();
      await this.loopDone;
      // what retention took since the last warning is said before the member goes
      for (const entry of this.deletedUnread.values()) this.warnDeletedUnread(entry);
      this.unwatch?.();
      this.onStopped(this);
    })();
    return this.stopping;
  }

  assignment(): TopicPartition[] {
    return this.owned.map((tp) => ({ ...tp }));
  }

  async committed(partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: string | null }>> {
    return partitions.map((tp) => {
      const offset = this.group.committed(tp);
      return { topic: tp.topic, partition: tp.partition, offset: offset === null ? null : String(offset) };
    });
  }

  async lag(): Promise<Array<TopicPartition & { lag: number }>> {
    return this.owned.map((tp) => {
      const { low, high } = this.source.bounds(tp);
      // Records retention took are not waiting for anyone.
      const committed = Math.max(this.group.committed(tp) ?? 0, low);
      return { topic: tp.topic, partition: tp.partition, lag: Math.max(0, high - committed) };
    });
  }

  // GroupMember: driven by MemoryGroup during a rebalance.

  async quiesce(): Promise<void> {
    this.paused = true;
    this.listener.onRebalancing?.();
    await this.busy;
  }

  async revoke(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    this.owned = difference(this.owned, partitions);
    for (const tp of partitions) this.positions.delete(tpKey(tp));
    await this.notifyListener('onRevoked', partitions);
  }

  async assign(partitions: TopicPartition[]): Promise<void> {
    const added = difference(partitions, this.owned);
    this.owned = [...partitions].sort(compareTp);
    for (const tp of added) {
      const committed = this.group.committed(tp);
      const { low, high } = this.source.bounds(tp);
      this.positions.set(tpKey(tp), committed ?? (this.fromBeginning ? low : high));
    }
    if (added.length > 0) await this.notifyListener('onAssigned', added);
    this.listener.onJoined?.();
  }

  resume(): void {
    if (this.stopped) return;
    this.paused = false;
    this.signal.notify();
  }

  private notifyListener(which: 'onAssigned' | 'onRevoked', partitions: TopicPartition[]): Promise<void> {
    return notifyAssignment(this.listener, which, partitions, this.logger, { groupId: this.group.id });
  }

  private async loop(): Promise<void> {
    let turnStarted = performance.now();
    while (!this.stopped) {
      const batch = this.paused ? null : this.nextBatch();
      if (!batch) {
        await this.signal.wait();
        turnStarted = performance.now();
        continue;
      }
      const work = this.process(batch);
      this.busy = work.then(() => undefined);
      const ok = await work;
      this.busy = null;
      if (ok) this.backoff.reset();
      else await this.backoff.sleep();
      // Small batches of several partitions (one request's events spread over them) go one after the
      // other, as a Kafka consumer hands over the partitions of one fetch; once they have taken a
      // slice, the next waits a turn of the event loop: a consumer with a backlog would otherwise hold
      // the event loop (sockets, timers, the other consumers' turns) until it caught up.
      if (ok && performance.now() - turnStarted < HANDOVER_SLICE_MS) continue;
      await nextTurn();
      turnStarted = performance.now();
    }
  }

  /**
   * Next partition (in turn) with records past its position. A position retention has passed reads
   * on from the partition's low, like Kafka's auto.offset.reset=earliest.
   */
  private nextBatch(): PartitionBatch | null {
    const count = this.owned.length;
    for (let i = 0; i < count; i++) {
      const tp = this.owned[(this.turn + i) % count];
      const key = tpKey(tp);
      const { low, high, compacted } = this.source.bounds(tp);
      let position = this.positions.get(key) ?? 0;
      // on a compacted topic what went was superseded; elsewhere it is input no one will learn
      if (position < low && !compacted) this.noteDeletedUnread(tp, position, low);
      position = Math.max(position, low);
      if (position >= high) continue;
      const { records, next } = this.source.read(tp, position, this.batchFor(high - position));
      if (records.length === 0) {
        // Only gaps (compaction) up to the end: nothing to hand over, and nothing to read again.
        this.positions.set(key, next);
        continue;
      }
      this.turn = (this.turn + i + 1) % count;
      return { topic: tp.topic, partition: tp.partition, records, highWatermark: String(high) };
    }
    return null;
  }

  /**
   * Records for a batch of a partition `behind` records from its end: `maxBatch`, or for a member that
   * asked for largerBatchesBehind, while more than two batches are waiting (a restart's backlog, a
   * burst), up to BACKLOG_BATCH_FACTOR times as many. The engine's input batches each cost work of
   * their own — a list per user, an item delta per item, a commit — shared by their events: the bench's
   * embedded pipeline ran faster in 198 batches than in 762 (docs/BENCHMARKS.md), and a push at 2,000
   * events/s, near the end, kept its small ones (a fixed 2,000 made its p99 2–3 times worse).
   */
  private batchFor(behind: number): number {
    if (!this.largerBatchesBehind || behind <= 2 * this.maxBatch) return this.maxBatch;
    return Math.min(behind, BACKLOG_BATCH_FACTOR * this.maxBatch);
  }

  /**
   * Records from `position` to `low` were deleted before this group read them: counted each time,
   * said at most every DELETED_WARNING_MS (what comes within it is said once it has passed, or when
   * the member stops).
   */
  private noteDeletedUnread(tp: TopicPartition, position: number, low: number): void {
    const key = tpKey(tp);
    let entry = this.deletedUnread.get(key);
    if (entry === undefined) {
      entry = {
        tp: { topic: tp.topic, partition: tp.partition },
        records: 0,
        readingFrom: low,
        warnedAt: Number.NEGATIVE_INFINITY,
        due: null,
      };
      this.deletedUnread.set(key, entry);
    }
    entry.records += low - position;
    entry.readingFrom = low;
    this.positions.set(key, low);
    this.listener.onRecordsLost?.({ topic: tp.topic, partition: tp.partition, records: low - position, resumedAt: String(low) });
    const wait = entry.warnedAt + DELETED_WARNING_MS - Date.now();
    if (wait <= 0) this.warnDeletedUnread(entry);
    else if (entry.due === null) {
      const held = entry;
      entry.due = setTimeout(() => this.warnDeletedUnread(held), wait);
      entry.due.unref();
    }
  }

  private warnDeletedUnread(entry: DeletedUnread): void {
    if (entry.due !== null) clearTimeout(entry.due);
    entry.due = null;
    if (entry.records === 0) return;
    const { tp, records, readingFrom } = entry;
    const lost = { topic: tp.topic, partition: tp.partition, records, resumedAt: String(readingFrom) };
    this.logger.warn(
      { topic: tp.topic, partition: tp.partition, groupId: this.group.id, records, readingFrom },
      recordsLostMessage(lost, this.group.id, EMBEDDED_RETENTION_FIX),
    );
    entry.records = 0;
    entry.warnedAt = Date.now();
  }

  /** Handles one batch and commits after it; on failure the batch is offered again after a backoff. */
  private async process(batch: PartitionBatch): Promise<boolean> {
    const next = Number(batch.records[batch.records.length - 1].offset) + 1;
    try {
      const applied = (await this.handler!(batch)) as BatchApplied | undefined;
      // the embedded log's produce is done in the same turn: nothing to gain from going on meanwhile
      await applied?.durable;
      this.group.commit(batch, next);
      // handed over once: kept longer, the values would outlive the young generation for nothing
      for (const r of batch.records) r.decoded = undefined;
    } catch (err) {
      this.logger.error(
        { ...errorFields(err), topic: batch.topic, partition: batch.partition, groupId: this.group.id },
        'batch failed; offering it again',
      );
      return false;
    }
    this.positions.set(tpKey(batch), next);
    return true;
  }
}
