/**
 * The embedded event log: Kafka's model (topics, partitions, offsets, consumer groups) inside the
 * process, optionally persisted under a data directory so a restarted engine resumes from its
 * commits and can re-read its partitions.
 */
import { LogClosed, LogOptionsInvalid, UnknownPartition } from './errors.js';
import { type LogSink, silentSink } from './log-logger.js';
import { MemoryConsumer, type PartitionSource } from './memory-consumer.js';
import { MemoryGroup } from './memory-group.js';
import { type CommitEntry, LogStore } from './memory-store.js';
import { DefaultPartitioner } from './partitioner.js';
import type { Signal } from './signal.js';
import type { ConsumerOptions, EventLog, GroupConsumer, LogRecord, OutgoingRecord, TopicPartition, TopicSpec } from './types.js';

export interface MemoryLogOptions {
  /** Partitions of a topic created on demand (first produce or subscribe). Default 1. */
  partitions?: number;
  /** When set, records and committed offsets are kept in files here and reloaded on start. */
  dataDir?: string;
  /** Record timestamps. Default Date.now. */
  now?: () => number;
  /** Most records handed to a batch handler at once. Default 500. */
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
  private readonly topics = new Map<string, LogRecord[][]>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly restoredCommits: Map<string, CommitEntry[]>;
  private readonly watchers = new Map<string, Set<Signal>>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly partitioner = new DefaultPartitioner();
  private closed = false;

  constructor(options: MemoryLogOptions = {}) {
    this.defaultPartitions = options.partitions ?? 1;
    if (!Number.isInteger(this.defaultPartitions) || this.defaultPartitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${options.partitions}`);
    }
    this.now = options.now ?? Date.now;
    this.maxBatch = options.maxBatch ?? 500;
    this.logger = options.logger ?? silentSink;
    this.store = options.dataDir ? new LogStore(options.dataDir) : null;
    this.restoredCommits = this.store?.loadCommits() ?? new Map();
    if (this.store) this.restoreTopics(this.store);
  }

  private restoreTopics(store: LogStore): void {
    for (const [topic, count] of store.loadTopics()) {
      const partitions: LogRecord[][] = [];
      for (let partition = 0; partition < count; partition++) {
        partitions.push(store.loadPartition(topic, partition).map((r, offset) => ({ topic, partition, offset: String(offset), ...r })));
      }
      this.topics.set(topic, partitions);
    }
  }

  async connect(): Promise<void> {
    this.assertOpen();
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of specs) this.createTopic(spec.topic, spec.partitions);
  }

  async produce(records: OutgoingRecord[]): Promise<void> {
    this.assertOpen();
    const appended = new Map<LogRecord[], LogRecord[]>();
    const timestamp = this.now();
    for (const r of records) {
      const partitions = this.topicOnDemand(r.topic);
      const partition = this.partitioner.partition(r.topic, r.key, partitions.length, r.partition);
      const log = partitions[partition];
      const record: LogRecord = {
        topic: r.topic,
        partition,
        offset: String(log.length + (appended.get(log)?.length ?? 0)),
        key: r.key === null ? null : typeof r.key === 'string' ? Buffer.from(r.key, 'utf8') : r.key,
        value: r.value,
        headers: { ...(r.headers ?? {}) },
        timestamp,
      };
      let pending = appended.get(log);
      if (!pending) appended.set(log, (pending = []));
      pending.push(record);
    }
    // Persist first, then publish: a record a consumer can see is already on disk.
    for (const pending of appended.values()) this.store?.append(pending[0].topic, pending[0].partition, pending);
    const touched = new Set<string>();
    for (const [log, pending] of appended) {
      for (const record of pending) log.push(record);
      touched.add(pending[0].topic);
    }
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
    const end = Math.min(Number(toOffset), log.length);
    for (let at = Math.max(0, Number(fromOffset)); at < end; at += this.maxBatch) {
      await onBatch(log.slice(at, Math.min(end, at + this.maxBatch)));
    }
  }

  async partitionsFor(topic: string): Promise<number> {
    return this.topics.get(topic)?.length ?? 0;
  }

  async offsets(tp: TopicPartition): Promise<{ low: string; high: string }> {
    return { low: '0', high: String(this.partitionLog(tp).length) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.closed = true;
    this.store?.close();
  }

  // PartitionSource, for the consumers.

  records(tp: TopicPartition): readonly LogRecord[] {
    return this.partitionLog(tp);
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

  private partitionLog(tp: TopicPartition): LogRecord[] {
    const log = this.topics.get(tp.topic)?.[tp.partition];
    if (!log) throw new UnknownPartition(tp);
    return log;
  }

  /** The topic's partitions, creating it with the default count when it does not exist yet. */
  private topicOnDemand(topic: string): LogRecord[][] {
    return this.topics.get(topic) ?? this.createTopic(topic, this.defaultPartitions);
  }

  /** Creates the topic, or grows it to `partitions`; partitions never shrink, as in Kafka. */
  private createTopic(topic: string, partitions: number): LogRecord[][] {
    if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`${topic}: partitions must be a positive integer`);
    let logs = this.topics.get(topic);
    const before = logs?.length ?? 0;
    if (logs && before >= partitions) return logs;
    if (!logs) this.topics.set(topic, (logs = []));
    while (logs.length < partitions) logs.push([]);
    this.store?.saveTopics(new Map([...this.topics].map(([name, p]) => [name, p.length])));
    if (before > 0) {
      for (const group of this.groups.values()) {
        if (group.subscribesTo(topic)) {
          group.refresh().catch((err: unknown) => this.logger.error({ err, topic }, 'rebalance after adding partitions failed'));
        }
      }
    }
    return logs;
  }

  private group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      const store = this.store;
      group = new MemoryGroup(
        groupId,
        (topic) => this.topics.get(topic)?.length ?? 0,
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
