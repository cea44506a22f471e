/**
 * One member of a Kafka consumer group on kafkajs. Per partition batch: handler, then commit of the
 * offset after the batch's last record, only once the handler resolved (auto-commit and
 * auto-resolve are off). A failed batch is left unresolved, so kafkajs fetches it again after a
 * backoff. Heartbeats continue while a long batch runs, and the partition is paused while a handler
 * is slow so no more of it is fetched and buffered meanwhile.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, RetryOptions } from 'kafkajs';
import { difference, notifyAssignment } from './assignment.js';
import { CoPartitionedAssigner } from './co-partitioned-assigner.js';
import { ConsumerAlreadyRunning, ConsumerStopped } from './errors.js';
import { toLogRecord } from './kafka-records.js';
import { errorFields, type LogSink } from './log-logger.js';
import { Backoff } from './signal.js';
import { compareTp } from './topic-partition.js';
import type { AssignmentListener, BatchHandler, ConsumerOptions, GroupConsumer, PartitionBatch, TopicPartition } from './types.js';

const JOIN_ATTEMPTS = 5;

export interface KafkaConsumerSettings {
  sessionTimeout: number;
  rebalanceTimeout: number;
  heartbeatInterval: number;
  /** Longest time a fetch waits on the broker for new records; bounds how long stop() waits too. */
  maxWaitTimeInMs: number;
  maxBytesPerPartition: number;
  /** A handler running longer than this gets its partition paused until it finishes. */
  slowBatchMs: number;
  retry: RetryOptions;
}

function flattenAssignment(assignment: Record<string, number[]>, topics: readonly string[]): TopicPartition[] {
  return Object.entries(assignment)
    .filter(([topic]) => topics.includes(topic))
    .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))
    .sort(compareTp);
}

export class KafkaGroupConsumer implements GroupConsumer {
  private readonly consumer: Consumer;
  private readonly topics: string[];
  private readonly backoff: Backoff;
  private owned: TopicPartition[] = [];
  private listener: AssignmentListener = {};
  private handler: BatchHandler | null = null;
  /** Listener calls run in order; batches wait for it so onAssigned precedes a partition's first batch. */
  private listenerChain: Promise<void> = Promise.resolve();
  private heartbeatError: unknown = null;
  private stopping: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    /** The log's connect(): admin calls need it, and run() may come before the engine connected. */
    private readonly ready: () => Promise<void>,
    private readonly options: ConsumerOptions,
    private readonly settings: KafkaConsumerSettings,
    private readonly logger: LogSink,
    private readonly onStopped: (consumer: KafkaGroupConsumer) => void,
  ) {
    this.topics = [...new Set(options.topics)];
    this.backoff = new Backoff(settings.retry.initialRetryTime ?? 300, settings.retry.maxRetryTime ?? 30_000);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [CoPartitionedAssigner],
      sessionTimeout: settings.sessionTimeout,
      rebalanceTimeout: settings.rebalanceTimeout,
      heartbeatInterval: settings.heartbeatInterval,
      maxWaitTimeInMs: settings.maxWaitTimeInMs,
      maxBytesPerPartition: settings.maxBytesPerPartition,
      retry: settings.retry,
    });
  }

  /** Resolves once the member has joined the group and the first onAssigned has run. */
  async run(handler: BatchHandler, listener: AssignmentListener = {}): Promise<void> {
    if (this.stopping) throw new ConsumerStopped();
    if (this.handler) throw new ConsumerAlreadyRunning();
    this.handler = handler;
    this.listener = listener;
    let joinedOnce: () => void = () => undefined;
    let crashedFirst: (err: unknown) => void = () => undefined;
    let hasJoined = false;
    let attempt = 1;
    const joined = new Promise<void>((resolve, reject) => {
      joinedOnce = resolve;
      crashedFirst = reject;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      hasJoined = true;
      attempt = 0;
      this.onGroupJoin(event.payload.memberAssignment);
      joinedOnce();
    });
    // A broker may answer a join/sync with an error kafkajs does not retry and does not restart after
    // (librdkafka's mock does so under load when another member joins, error 42): joining again after
    // a pause succeeds, and the new assignment revokes and assigns as any rebalance does. A member
    // that keeps failing gives up after JOIN_ATTEMPTS in a row.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.logger.error({ ...errorFields(error), groupId: this.options.groupId, restart }, 'kafka consumer crashed');
      if (restart) return;
      if (this.stopping || attempt >= JOIN_ATTEMPTS) {
        if (!hasJoined) crashedFirst(error);
        return;
      }
      attempt++;
      this.logger.warn({ groupId: this.options.groupId, attempt }, 'joining the consumer group failed; joining again');
      setTimeout(() => {
        void this.startRunner().catch(crashedFirst);
      }, 300 * attempt);
    });
    await this.ready();
    await this.startRunner();
    await joined;
    await this.listenerChain;
  }

  /** Connects, subscribes and starts the fetch loop; kafkajs resolves run() once the runner started. */
  private async startRunner(): Promise<void> {
    if (this.stopping) return;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.backoff.cancel();
      // disconnect() lets the batch in hand finish (and commit) before it leaves the group.
      await this.consumer.disconnect();
      const revoked = this.owned;
      this.owned = [];
      await this.listenerChain;
      if (this.handler && revoked.length > 0) await this.callListener('onRevoked', revoked);
      this.onStopped(this);
    })();
    return this.stopping;
  }

  assignment(): TopicPartition[] {
    return this.owned.map((tp) => ({ ...tp }));
  }

  async committed(partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: string | null }>> {
    const topics = [...new Set(partitions.map((tp) => tp.topic))];
    if (topics.length === 0) return [];
    await this.ready();
    const fetched = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics });
    const byTopic = new Map(fetched.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, p.offset]))]));
    return partitions.map((tp) => {
      const offset = byTopic.get(tp.topic)?.get(tp.partition);
      return { topic: tp.topic, partition: tp.partition, offset: offset === undefined || Number(offset) < 0 ? null : offset };
    });
  }

  async lag(): Promise<Array<TopicPartition & { lag: number }>> {
    const owned = this.assignment();
    const topics = [...new Set(owned.map((tp) => tp.topic))];
    await this.ready();
    const [committed, ends] = await Promise.all([
      this.committed(owned),
      Promise.all(topics.map(async (topic) => [topic, await this.admin.fetchTopicOffsets(topic)] as const)),
    ]);
    const marks = new Map(ends.map(([topic, offsets]) => [topic, new Map(offsets.map((o) => [o.partition, o]))]));
    return owned.map((tp, i) => {
      const mark = marks.get(tp.topic)?.get(tp.partition);
      const high = Number(mark?.high ?? 0);
      const from = committed[i].offset === null ? Number(mark?.low ?? 0) : Number(committed[i].offset);
      return { topic: tp.topic, partition: tp.partition, lag: Math.max(0, high - from) };
    });
  }

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    const next = flattenAssignment(memberAssignment, this.topics);
    const revoked = difference(this.owned, next);
    const added = difference(next, this.owned);
    this.owned = next;
    this.listenerChain = this.listenerChain.then(async () => {
      if (revoked.length > 0) await this.callListener('onRevoked', revoked);
      if (added.length > 0) await this.callListener('onAssigned', added);
    });
  }

  private callListener(which: 'onAssigned' | 'onRevoked', partitions: TopicPartition[]): Promise<void> {
    return notifyAssignment(this.listener, which, partitions, this.logger, { groupId: this.options.groupId });
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause } = payload;
    if (batch.messages.length === 0) return;
    await this.whileHeartbeating(this.listenerChain, heartbeat, null);
    if (!isRunning() || isStale()) return;

    const records = batch.messages.map((m) => toLogRecord(batch.topic, batch.partition, m));
    const last = records[records.length - 1].offset;
    const partitionBatch: PartitionBatch = { topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark };
    try {
      await this.whileHeartbeating(this.handler!(partitionBatch), heartbeat, pause);
    } catch (err) {
      this.logger.error(
        { ...errorFields(err), topic: batch.topic, partition: batch.partition, groupId: this.options.groupId },
        'batch handler failed; the batch will be fetched again',
      );
      // Left unresolved: kafkajs fetches from the last resolved offset, so the same records come back.
      if (isRunning()) await this.whileHeartbeating(this.backoff.sleep(), heartbeat, null);
      this.throwPendingHeartbeatError();
      return;
    }
    this.backoff.reset();
    resolveOffset(last);
    await commitOffsetsIfNecessary({
      topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(Number(last) + 1) }] }],
    });
    this.throwPendingHeartbeatError();
  }

  /** A rebalance noticed by a heartbeat during the batch is handed back to kafkajs, which rejoins. */
  private throwPendingHeartbeatError(): void {
    const err = this.heartbeatError;
    this.heartbeatError = null;
    if (err) throw err;
  }

  private async whileHeartbeating<T>(work: Promise<T>, heartbeat: () => Promise<void>, pause: (() => () => void) | null): Promise<T> {
    const beat = setInterval(() => {
      heartbeat().catch((err: unknown) => {
        this.heartbeatError ??= err;
      });
    }, this.settings.heartbeatInterval);
    let resume: (() => void) | null = null;
    const slow = pause
      ? setTimeout(() => {
          resume = pause();
        }, this.settings.slowBatchMs)
      : null;
    try {
      return await work;
    } finally {
      clearInterval(beat);
      if (slow) clearTimeout(slow);
      (resume as (() => void) | null)?.();
    }
  }
}
