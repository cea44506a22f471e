/**
 * The embedded event log: Kafka's model (topics, partitions, offsets, consumer groups) inside the
 * process, optionally persisted under a data directory so a restarted engine resumes from its
 * commits and can re-read its partitions. Partitions are bounded like Kafka's: retention by bytes
 * and time, compaction for compacted topics (partition-log.ts).
 */
import { DEFAULT_LOG_RETENTION } from '../config.js';
import { BackgroundCompaction } from './background-compaction.js';
import { LogClosed, LogOptionsInvalid, UnknownPartition } from './errors.js';
import { type LogSink, silentSink } from './log-logger.js';
import { MemoryConsumer, type PartitionSource } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { type CommitEntry, LogStore, type StoredTopic } from './memory-store.js';
import { PartitionLog } from './partition-log.js';
import { DefaultPartitioner } from './partitioner.js';
import { type PartitionPolicy, partitionPolicy, type RetentionLimits } from './retention.js';
import { hasHeaders } from './segment-frames.js';
import { MemorySegments } from './segment-storage.js';
import type { Signal } from './signal.js';
import type {
  ConsumerOptions,
  EventLog,
  GroupConsumer,
  Headers,
  LogRecord,
  OutgoingRecord,
  PartitionOffsets,
  TopicPartition,
  TopicSpec,
} from './types.js';

interface Topic {
  partitions: PartitionLog[];
  compacted: boolean;
}

/** Kafka's log.retention.check.interval.ms is 5 minutes; partitions that take records are checked on every produce. */
const RETENTION_CHECK_MS = 60_000;
/** Most records carry no headers: they share one empty object instead of holding one each. */
const NO_HEADERS: Headers = Object.freeze({});

export interface MemoryLogOptions {
  /** Partitions of a topic created on demand (first produce or subscribe). Default 1. */
  partitions?: number;
  /** When set, records and committed offsets are kept in files here and reloaded on start. */
  dataDir?: string;
  /** Record timestamps, and the clock retention compares them with. Default Date.now. */
  now?: () => number;
  /** Per partition; null is no limit. Default 256 MiB and 7 days (LOG_RETENTION_BYTES, LOG_RETENTION_MS). */
  retention?: Partial<RetentionLimits>;
  /** How often every partition is checked for retention and compaction. Default 60 s. */
  retentionCheckMs?: number;
  /** Compacted topics: how long a tombstone stays after its append. Default 24 h (Kafka's delete.retention.ms). */
  tombstoneRetentionMs?: number;
  /** Most records handed to a batch handler at once (four times as many far behind a partition's end, for a member that asks: MemoryConsumer.batchFor). Default 500. */
  maxBatch?: number;
  logger?: LogSink;
}

export class MemoryLog implements EventLog, PartitionSource {
  readonly kind = 'embedded' as const;
  private readonly defaultPartitions: number;
  private readonly now: () => number;
  private readonly maxBatch: number;
  private readonly logger: LogSink;
  private readonly store: LogStore | null;
  private readonly policy: PartitionPolicy;
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly restoredCommits: Map<string, CommitEntry[]>;
  private readonly watchers = new Map<string, Set<Signal>>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly partitioner = new DefaultPartitioner();
  private closed = false;
  private readonly compaction: BackgroundCompaction;

  constructor(options: MemoryLogOptions = {}) {
    this.defaultPartitions = options.partitions ?? 1;
    if (!Number.isInteger(this.defaultPartitions) || this.defaultPartitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${options.partitions}`);
    }
    this.now = options.now ?? Date.now;
    this.maxBatch = options.maxBatch ?? 500;
    this.logger = options.logger ?? silentSink;
    this.compaction = new BackgroundCompaction(this.now, (p, err) =>
      this.logger.error({ err, topic: p.tp.topic, partition: p.tp.partition }, 'log compaction failed'),
    );
    const { bytes = DEFAULT_LOG_RETENTION.bytes, ms = DEFAULT_LOG_RETENTION.ms } = options.retention ?? {};
    this.policy = partitionPolicy({ bytes, ms }, options.tombstoneRetentionMs);
    this.store = options.dataDir ? new LogStore(options.dataDir) : null;
    this.restoredCommits = this.store?.loadCommits() ?? new Map();
    if (this.store) {
      for (const [topic, stored] of this.store.loadTopics()) {
        const entry: Topic = { partitions: [], compacted: stored.compacted };
        this.topics.set(topic, entry);
        this.addPartitions(topic, entry, stored.partitions);
      }
    }
    this.retentionTimer = setInterval(() => this.checkRetention(), options.retentionCheckMs ?? RETENTION_CHECK_MS).unref();
  }

  /** The timer's check: every partition as after a produce. */
  private checkRetention(): void {
    if (this.closed) return;
    const now = this.now();
    for (const topic of this.topics.values()) for (const p of topic.partitions) this.maintain(p, now);
  }

  /** Retention now; compaction in slices (background-compaction.ts) unless it has fallen behind. */
  private maintain(partition: PartitionLog, now: number): void {
    if (partition.compacted && !partition.compactionOverdue()) this.compaction.schedule(partition);
    else this.enforce(partition, now);
  }

  /**
   * Applies retention and compaction to every partition now, to the end (they also run on a timer
   * and after produce, compaction there in slices).
   */
  enforceRetention(): void {
    if (this.closed) return;
    const now = this.now();
    for (const topic of this.topics.values()) for (const p of topic.partitions) this.enforce(p, now);
  }

  private enforce(partition: PartitionLog, now: number): void {
    try {
      partition.enforce(now);
    } catch (err) {
      // Retention that failed (a full or read-only disk) leaves the partition as it was; appends go on.
      this.logger.error({ err, topic: partition.tp.topic, partition: partition.tp.partition }, 'log retention failed');
    }
  }

  async connect(): Promise<void> {
    this.assertOpen();
  }

  /**
   * Creates the topics that do not exist; an existing one keeps its partitions, as Kafka's
   * CreateTopics leaves it (more partitions would send a key's later records to another partition
   * than its earlier ones, and a user's state with them). Only its cleanup policy may become compact.
   */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of specs) {
      const partitions = this.topics.get(spec.topic)?.partitions.length ?? spec.partitions;
      this.createTopic(spec.topic, partitions, spec.compacted === true);
    }
  }

  /** Grows a topic to `partitions` (never shrinks one): Kafka's CreatePartitions, an operator's deliberate step. */
  async createPartitions(topic: string, partitions: number): Promise<void> {
    this.assertOpen();
    this.createTopic(topic, partitions, this.topics.get(topic)?.compacted ?? false);
  }

  async produce(records: OutgoingRecord[]): Promise<void> {
    this.assertOpen();
    const pending = new Map<PartitionLog, LogRecord[]>();
    const timestamp = this.now();
    for (const r of records) {
      const partitions = this.topicOnDemand(r.topic).partitions;
      // encoded once, for the partitioner's hash and for the record
      const key = r.key === null ? null : typeof r.key === 'string' ? Buffer.from(r.key, 'utf8') : r.key;
      const partition = this.partitioner.partition(r.topic, key, partitions.length, r.partition);
      const log = partitions[partition];
      let batch = pending.get(log);
      if (!batch) pending.set(log, (batch = []));
      batch.push({
        topic: r.topic,
        partition,
        offset: '', // given by the partition on append
        key,
        value: r.value,
        // a frozen object cannot change under the log: records sharing one keep it
        headers: r.headers === undefined || !hasHeaders(r.headers) ? NO_HEADERS : Object.isFrozen(r.headers) ? r.headers : { ...r.headers },
        timestamp,
        decoded: r.decoded,
      });
    }
    // Stored before published: a record a consumer can see is already on disk.
    const touched = new Set<string>();
    for (const [log, batch] of pending) {
      log.append(batch);
      touched.add(log.tp.topic);
    }
    for (const log of pending.keys()) this.maintain(log, timestamp);
    for (const topic of touched) for (const signal of this.watchers.get(topic) ?? []) signal.notify();
  }

  consumer(options: ConsumerOptions): GroupConsumer {
    this.assertOpen();
    if (options.topics.length === 0) throw new LogOptionsInvalid('a consumer needs at least one topic');
    for (const topic of options.topics) this.topicOnDemand(topic);
    const consumer = new MemoryConsumer(options, this.group(options.groupId), this, this.maxBatch, this.logger, (c) =>
      this.consumers.delete(c),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async readRange(
    tp: TopicPartition,
    fromOffset: string,
    toOffset: string,
    onBatch: (records: LogRecord[]) => Promise<void> | void,
  ): Promise<void> {
    const log = this.partitionLog(tp);
    const end = Math.min(Number(toOffset), log.high);
    // Offsets below the partition's low (retention took them) are read from the low on.
    for (let at = Number(fromOffset); at < end; ) {
      const { records, next } = log.read(at, end, this.maxBatch);
      if (records.length > 0) await onBatch(records);
      if (next <= at) break;
      at = next;
    }
  }

  async partitionsFor(topic: string): Promise<number> {
    return this.topics.get(topic)?.partitions.length ?? 0;
  }

  async deleteRecordsBefore(tp: TopicPartition, offset: string): Promise<void> {
    this.partitionLog(tp).deleteBefore(Number(offset));
  }

  async offsets(tp: TopicPartition): Promise<PartitionOffsets> {
    const { low, high } = this.bounds(tp);
    return { low: String(low), high: String(high) };
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const found = this.topics.get(topic);
    if (found === undefined) throw new UnknownPartition({ topic, partition: 0 });
    return found.partitions.map((log) => ({ low: String(log.low), high: String(log.high) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.closed = true;
    clearInterval(this.retentionTimer);
    this.compaction.stop();
    for (const topic of this.topics.values()) for (const p of topic.partitions) p.close();
    this.store?.close();
  }

  // PartitionSource, for the consumers.

  bounds(tp: TopicPartition): { low: number; high: number; compacted: boolean } {
    const log = this.partitionLog(tp);
    return { low: log.low, high: log.high, compacted: log.compacted };
  }

  read(tp: TopicPartition, from: number, max: number): { records: LogRecord[]; next: number } {
    const log = this.partitionLog(tp);
    return log.read(from, log.high, max);
  }

  watch(topics: readonly string[], signal: Signal): () => void {
    for (const topic of topics) {
      let set = this.watchers.get(topic);
      if (!set) this.watchers.set(topic, (set = new Set()));
      set.add(signal);
    }
    return () => {
      for (const topic of topics) this.watchers.get(topic)?.delete(signal);
    };
  }

  private partitionLog(tp: TopicPartition): PartitionLog {
    const log = this.topics.get(tp.topic)?.partitions[tp.partition];
    if (!log) throw new UnknownPartition(tp);
    return log;
  }

  /** The topic, creating it with the default count when it does not exist yet. */
  private topicOnDemand(topic: string): Topic {
    return this.topics.get(topic) ?? this.createTopic(topic, this.defaultPartitions, false);
  }

  /**
   * Creates the topic, or grows it to `partitions`; partitions never shrink, as in Kafka. A topic
   * asked for as compacted becomes compacted (one created on demand, or by an older version, may
   * not have been).
   */
  private createTopic(topic: string, partitions: number, compacted: boolean): Topic {
    if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`${topic}: partitions must be a positive integer`);
    let entry = this.topics.get(topic);
    const before = entry?.partitions.length ?? 0;
    if (entry && before >= partitions && (entry.compacted || !compacted)) return entry;
    if (!entry) this.topics.set(topic, (entry = { partitions: [], compacted }));
    entry.compacted ||= compacted;
    for (const p of entry.partitions) p.compacted = entry.compacted;
    this.addPartitions(topic, entry, partitions);
    this.store?.saveTopics(
      new Map(
        [...this.topics].map(([name, t]): [string, StoredTopic] => [name, { partitions: t.partitions.length, compacted: t.compacted }]),
      ),
    );
    if (before > 0 && entry.partitions.length > before) {
      for (const group of this.groups.values()) {
        if (group.subscribesTo(topic)) {
          group.refresh().catch((err: unknown) => this.logger.error({ err, topic }, 'rebalance after adding partitions failed'));
        }
      }
    }
    return entry;
  }

  private addPartitions(topic: string, entry: Topic, count: number): void {
    while (entry.partitions.length < count) {
      const partition = entry.partitions.length;
      const storage = this.store?.segments(topic, partition, this.policy) ?? new MemorySegments();
      entry.partitions.push(new PartitionLog({ topic, partition }, storage, this.policy, entry.compacted));
    }
  }

  private group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      const store = this.store;
      group = new MemoryGroup(
        groupId,
        (topic) => this.topics.get(topic)?.partitions.length ?? 0,
        store ? (entries) => store.commit(groupId, entries) : null,
        this.restoredCommits.get(groupId),
      );
      this.groups.set(groupId, group);
    }
    return group;
  }

  private assertOpen(): void {
    if (this.closed) throw new LogClosed();
  }
}
