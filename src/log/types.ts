/**
 * The event-log interface. Only src/log/ knows whether the embedded log or Kafka is underneath;
 * everything above speaks these types.
 */

export type Headers = Record<string, string>;

export interface LogRecord {
  topic: string;
  partition: number;
  /** Offsets are strings as in Kafka (int64). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  /** Append (broker) time, epoch millis. */
  timestamp: number;
  /**
   * The value as its producer in this process had it before encoding (OutgoingRecord.decoded), while
   * the log still holds it: the embedded log, for a partition's newest records until a consumer group
   * has handled them. Readers that find it use it instead of decoding `value`, and only read it: every
   * reader gets the same object.
   */
  decoded?: unknown;
}

export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Headers;
  /** Explicit partition; default: Kafka's murmur2 partitioner on the key. */
  partition?: number;
  /**
   * What `value` encodes, for consumers in this process to read without decoding it again (see
   * LogRecord.decoded); the producer must not change it afterwards. Logs that cannot hand it over
   * (Kafka) ignore it; `value` is what is stored either way.
   */
  decoded?: unknown;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  compacted?: boolean;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionBatch extends TopicPartition {
  records: LogRecord[];
  /** Offset of the next record the log will append to this partition. */
  highWatermark: string;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where to start when the group has no committed offset. Default: earliest. */
  fromBeginning?: boolean;
  /**
   * Where to start on these partitions instead, while this member has handled nothing of them: a
   * reader that must go on exactly where an earlier reader of the process stopped (a new group
   * starts at the end otherwise, wherever the end is once it has joined).
   */
  startAt?: Array<TopicPartition & { offset: string }>;
  /**
   * Embedded log: while a partition is more than two batches behind its end, its batches hold up to
   * four times as many records (a backlog's per-batch work shared by more records). Off, every batch
   * holds at most the log's `maxBatch`. Kafka: a batch is what one fetch brought either way.
   */
  largerBatchesBehind?: boolean;
}

export interface AssignmentListener {
  /** Partitions newly assigned to this member; called before any batch from them is delivered. */
  onAssigned?(partitions: TopicPartition[]): Promise<void> | void;
  /**
   * Partitions taken away; called after the last batch from them was handled. Its offset is
   * committed when the member leaves; on a rebalance up to a commit interval of handled input may be
   * uncommitted, and the next owner is handed it again.
   */
  onRevoked?(partitions: TopicPartition[]): Promise<void> | void;
  /**
   * A rebalance began: called as this member learns of it, before it joins the group again, so
   * before any member is given partitions by it (the eager protocol waits for every member's join).
   * Also called when the member's consumer starts again after a failure. A member the group dropped
   * (its session expired while it stalled) learns of the new assignment only when it next joins.
   */
  onRebalancing?(): void;
  /**
   * The member has joined the group, first or again after a rebalance, and `assignment()` is what it
   * holds now, changed or not; after that join's onRevoked and onAssigned.
   */
  onJoined?(): void;
  /**
   * Records of a partition this member holds were deleted by the log's retention before the group read
   * them: it reads on from `resumedAt`, and `records` offsets before it were never handed to a batch.
   * Called before the batch that starts at `resumedAt` (embedded: each time it is found; Kafka: when
   * the broker refused the group's position and the consumer was reset).
   */
  onRecordsLost?(lost: RecordsLost): void;
}

export interface RecordsLost extends TopicPartition {
  records: number;
  resumedAt: string;
}

/**
 * What a handler may answer: the batch is applied, and what it wrote to the log is durable once
 * `durable` resolves. The consumer goes on with the next batch meanwhile and commits this batch's
 * offset only after `durable` resolved (a rejected one is never committed).
 */
export interface BatchApplied {
  durable: Promise<void>;
}

/**
 * Handles one batch of one partition. The consumer commits the offset after the batch's last record
 * once the handler resolved, and once its `durable` resolved if it answered one: a handler that
 * answers nothing must only resolve once the batch's effects are durable.
 */
export type BatchHandler = (batch: PartitionBatch) => Promise<BatchApplied> | Promise<void>;

export interface GroupConsumer {
  run(handler: BatchHandler, listener?: AssignmentListener): Promise<void>;
  /** Finishes the batch in hand, commits, leaves the group. */
  stop(): Promise<void>;
  assignment(): TopicPartition[];
  /** Committed offset of the group per assigned partition (next offset to read), null if none. */
  committed(partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: string | null }>>;
  /** high watermark − committed offset for each assigned partition. */
  lag(): Promise<Array<TopicPartition & { lag: number }>>;
}

/** Where a partition's records begin and where the next one goes. */
export interface PartitionOffsets {
  low: string;
  high: string;
}

export interface EventLog {
  readonly kind: 'embedded' | 'kafka';
  connect(): Promise<void>;
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  produce(records: OutgoingRecord[]): Promise<void>;
  consumer(options: ConsumerOptions): GroupConsumer;
  /**
   * Reads a partition from `fromOffset` up to (not including) `toOffset`, outside any group:
   * used to rebuild state from the source topics and to follow topics every process must see.
   */
  readRange(
    tp: TopicPartition,
    fromOffset: string,
    toOffset: string,
    onBatch: (records: LogRecord[]) => Promise<void> | void,
  ): Promise<void>;
  partitionsFor(topic: string): Promise<number>;
  /**
   * Lets the log delete a partition's records below `offset` (Kafka's DeleteRecords; the embedded log
   * drops whole segments below it): what an application does to the internal topics only it reads,
   * once its state covers them.
   */
  deleteRecordsBefore(tp: TopicPartition, offset: string): Promise<void>;
  /** Earliest and next offsets of a partition. */
  offsets(tp: TopicPartition): Promise<PartitionOffsets>;
  /**
   * Earliest and next offsets of every partition of a topic that exists, by partition number: one
   * question to the log where asking partition by partition takes one each (Kafka: ListOffsets).
   */
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  close(): Promise<void>;
}
