/**
 * The event log on a Kafka cluster through kafkajs: one producer for the whole process (our own
 * requests on kafkajs's connections, kafka-producer.ts), one kafkajs consumer per group member, admin
 * calls for offsets, and direct fetches for readRange.
 */
import { type Admin, Kafka, type KafkaConfig, type RetryOptions } from 'kafkajs';
import { DEFAULT_KAFKA_TIMING } from '../config.js';
import { messageOf, RecstreamError } from '../errors.js';
import { LogClosed, LogOptionsInvalid, LogUnreachable, LogWriteFailed, TopicsMissing, UnknownPartition } from './errors.js';
import { type KafkaConsumerSettings, KafkaGroupConsumer } from './kafka-consumer.js';
import { DirectReader, type FetchedBatch } from './kafka-direct.js';
import { type KafkaLogLevelName, kafkajsLevel, kafkaLogCreator, kafkaLogLevel } from './kafka-logger.js';
import { KafkaProducer } from './kafka-producer.js';
import { toLogRecord } from './kafka-records.js';
import { errorFields, type LogSink, silentSink } from './log-logger.js';
import { produceRequests } from './produce-requests.js';
import { Backoff } from './signal.js';
import type {
  ConsumerOptions,
  EventLog,
  GroupConsumer,
  LogRecord,
  OutgoingRecord,
  PartitionOffsets,
  TopicPartition,
  TopicSpec,
} from './types.js';

export interface KafkaLogOptions {
  brokers: string[];
  clientId: string;
  /** pino-compatible; receives kafkajs's own logs at `logLevel` and up. */
  logger?: LogSink;
  /** kafkajs log threshold. Default 'error'. */
  logLevel?: KafkaLogLevelName;
  /** Idempotent producer. 'auto' (default) enables it when the cluster names a reachable controller. */
  idempotent?: boolean | 'auto';
  /** kafkajs retry options for broker errors (producer, consumers, admin). */
  retry?: RetryOptions;
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
  connectionTimeout?: number;
  requestTimeout?: number;
  consumer?: Partial<KafkaConsumerSettings>;
  /** Most messages per produce request; larger produce() calls are sent in order in chunks (of at most MAX_PRODUCE_REQUEST_BYTES too). */
  maxProduceBatch?: number;
}

const DEFAULT_RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8 };

export class KafkaLog implements EventLog {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly logger: LogSink;
  private readonly retry: RetryOptions;
  private readonly consumerSettings: KafkaConsumerSettings;
  private readonly admin: Admin;
  private readonly reader: DirectReader;
  private readonly consumers = new Set<KafkaGroupConsumer>();
  private readonly maxProduceBatch: number;
  private producer: KafkaProducer | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  /** The last offsets request: they go to the broker one at a time (see askOffsets()). */
  private offsetsQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KafkaLogOptions) {
    if (options.brokers.length === 0) throw new LogOptionsInvalid('KafkaLog needs at least one broker');
    this.logger = options.logger ?? silentSink;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.maxProduceBatch = options.maxProduceBatch ?? 5_000;
    const sinkLevel = kafkaLogLevel(options.logLevel ?? 'error');
    this.kafka = new Kafka({
      brokers: options.brokers,
      clientId: options.clientId,
      ssl: options.ssl,
      sasl: options.sasl,
      connectionTimeout: options.connectionTimeout,
      requestTimeout: options.requestTimeout,
      retry: this.retry,
      logLevel: kafkajsLevel(sinkLevel),
      logCreator: kafkaLogCreator(this.logger, sinkLevel, (reset) => {
        for (const consumer of this.consumers) consumer.offsetReset(reset);
      }),
    });
    this.consumerSettings = {
      sessionTimeout: DEFAULT_KAFKA_TIMING.sessionTimeoutMs,
      rebalanceTimeout: DEFAULT_KAFKA_TIMING.rebalanceTimeoutMs,
      heartbeatInterval: DEFAULT_KAFKA_TIMING.heartbeatIntervalMs,
      maxWaitTimeInMs: DEFAULT_KAFKA_TIMING.maxWaitMs,
      maxBytesPerPartition: 1024 * 1024,
      slowBatchMs: 5_000,
      commitIntervalMs: DEFAULT_KAFKA_TIMING.commitIntervalMs,
      retry: this.retry,
      ...options.consumer,
    };
    this.admin = this.kafka.admin({ retry: this.retry });
    this.reader = new DirectReader(this.kafka);
  }

  connect(): Promise<void> {
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = null;
      throw err instanceof RecstreamError ? err : new LogUnreachable(this.options.brokers, messageOf(err), { cause: err });
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    this.assertOpen();
    await this.admin.connect();
    const wanted = this.options.idempotent ?? 'auto';
    const idempotent = wanted === 'auto' ? await this.reader.hasController() : wanted;
    if (wanted === 'auto' && !idempotent) {
      this.logger.warn({ brokers: this.options.brokers }, 'the cluster names no reachable controller; producing without idempotence');
    }
    const producer = new KafkaProducer(this.kafka, { idempotent, retry: this.retry, logger: this.logger });
    await producer.connect();
    this.producer = producer;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    // librdkafka's mock cluster (and some managed services) refuse CreateTopics: topics must exist
    if (!(await this.reader.hasController())) throw new TopicsMissing(missing, 'this cluster names no controller to create them');
    try {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
    } catch (err) {
      // another process of the group may have created them meanwhile
      const now = new Set(await this.admin.listTopics());
      const still = missing.filter((s) => !now.has(s.topic));
      if (still.length > 0) throw new TopicsMissing(still, `creating them failed (${messageOf(err)})`, { cause: err });
    }
  }

  async produce(records: OutgoingRecord[]): Promise<void> {
    this.assertOpen();
    await this.connect();
    const producer = this.producer!;
    for (const request of produceRequests(records, this.maxProduceBatch)) {
      try {
        await producer.send(request);
      } catch (err) {
        throw new LogWriteFailed(err);
      }
    }
  }

  consumer(options: ConsumerOptions): GroupConsumer {
    this.assertOpen();
    if (options.topics.length === 0) throw new LogOptionsInvalid('a consumer needs at least one topic');
    const consumer = new KafkaGroupConsumer(
      this.kafka,
      this.admin,
      () => this.connect(),
      options,
      this.consumerSettings,
      this.logger,
      (c) => this.consumers.delete(c),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  /** Reads with plain Fetch requests to the leader (see kafka-direct.ts), stopping at min(toOffset, high watermark). */
  async readRange(
    tp: TopicPartition,
    fromOffset: string,
    toOffset: string,
    onBatch: (records: LogRecord[]) => Promise<void> | void,
  ): Promise<void> {
    await this.connect();
    const { low, high } = await this.offsets(tp);
    const end = Math.min(Number(toOffset), Number(high));
    let at = Math.max(Number(fromOffset), Number(low));
    const backoff = new Backoff(this.retry.initialRetryTime, this.retry.maxRetryTime);
    let failures = 0;
    while (at < end) {
      let fetched: FetchedBatch;
      try {
        fetched = await this.reader.fetch(tp.topic, tp.partition, at);
      } catch (err) {
        if (++failures > (this.retry.retries ?? 5)) throw err;
        this.logger.warn({ ...errorFields(err), ...tp, offset: at }, 'fetch failed; retrying');
        await backoff.sleep();
        await this.reader.refresh().catch(() => undefined);
        continue;
      }
      failures = 0;
      backoff.reset();
      if (fetched.nextOffset <= at)
        throw new Error(`no records at ${tp.topic}[${tp.partition}] offset ${at} although the high watermark is ${high}`);
      const records = fetched.messages.filter((m) => Number(m.offset) < end).map((m) => toLogRecord(tp.topic, tp.partition, m));
      if (records.length > 0) await onBatch(records);
      at = fetched.nextOffset;
    }
  }

  async partitionsFor(topic: string): Promise<number> {
    await this.connect();
    if (!(await this.admin.listTopics()).includes(topic)) return 0;
    const meta = await this.admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
  }

  async deleteRecordsBefore(tp: TopicPartition, offset: string): Promise<void> {
    await this.connect();
    await this.admin.deleteTopicRecords({ topic: tp.topic, partitions: [{ partition: tp.partition, offset }] });
  }

  async offsets(tp: TopicPartition): Promise<PartitionOffsets> {
    const found = (await this.topicOffsets(tp.topic))[tp.partition];
    if (found === undefined) throw new UnknownPartition(tp);
    return found;
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    await this.connect();
    const asked = this.offsetsQueue.then(() => this.askOffsets(topic));
    this.offsetsQueue = asked.catch(() => undefined);
    const offsets: PartitionOffsets[] = [];
    for (const p of await asked) offsets[p.partition] = { low: p.low, high: p.high };
    for (let partition = 0; partition < offsets.length; partition++) {
      if (offsets[partition] === undefined) throw new UnknownPartition({ topic, partition });
    }
    return offsets;
  }

  /**
   * kafkajs' fetchTopicOffsets throws a TypeError ("Cannot destructure property 'partitions' of
   * 'low.pop(...)'") when a ListOffsets answer comes back without the topic, a known kafkajs bug seen
   * with concurrent calls: requests go one at a time (topicOffsets()) and such an answer is asked again,
   * as the retry options say. A restore that met it once lost the state of the partitions after it.
   */
  private async askOffsets(topic: string): Promise<Array<{ partition: number; low: string; high: string }>> {
    const backoff = new Backoff(this.retry.initialRetryTime, this.retry.maxRetryTime);
    for (let failures = 0; ; ) {
      try {
        return await this.admin.fetchTopicOffsets(topic);
      } catch (err) {
        if (!(err instanceof TypeError) || ++failures > (this.retry.retries ?? 5)) throw err;
        this.logger.warn({ ...errorFields(err), topic }, 'offsets answer without the topic; asking again');
        await backoff.sleep();
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    await Promise.allSettled([this.producer?.disconnect(), this.admin.disconnect(), this.reader.close()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new LogClosed();
  }
}
