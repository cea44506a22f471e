/**
 * The engine's producer on Kafka: records placed by kafka-partitioner.ts, grouped per partition
 * leader, written into one Produce request per leader by kafka-produce-request.ts and sent through
 * kafkajs's cluster (kafka-cluster.ts), which keeps the connections, metadata and authentication.
 * Retries and idempotence follow kafkajs's producer, which this replaces on the hot path: sequence
 * numbers per partition, taken back when a request fails, and a retry sends only the records of the
 * partitions that failed; with idempotence, one send at a time (send()).
 */
import { createRequire } from 'node:module';
import type { Kafka, KafkaJSError, RetryOptions } from 'kafkajs';
import { createCluster, type InternalBroker, type InternalCluster } from './kafka-cluster.js';
import { keyPartitioner } from './kafka-partitioner.js';
import { decodeProduceResponse, encodeProduceRequest, type PartitionBatch, type PartitionResult } from './kafka-produce-request.js';
import { errorFields, type LogSink } from './log-logger.js';
import { Backoff } from './signal.js';
import type { OutgoingRecord } from './types.js';

/** kafkajs's own errors for broker error codes (message, type, retriable), so callers judge them as before. */
const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): KafkaJSError & { type: string };
};

const PRODUCE_API_KEY = 0;
const PRODUCE_TIMEOUT_MS = 30_000;
const TRANSACTION_TIMEOUT_MS = 60_000;
/** kafkajs's producer's: metadata is asked for again after this long, or when a send fails. */
const METADATA_MAX_AGE_MS = 300_000;
const MAX_SEQUENCE = 2 ** 31;

export interface KafkaProducerOptions {
  idempotent: boolean;
  retry: RetryOptions;
  logger: LogSink;
}

/** One partition's records in a request. */
interface Sequenced {
  topic: string;
  batch: PartitionBatch & { records: OutgoingRecord[] };
}

type BatchResult = { sent: Sequenced; error: (Error & { retriable?: boolean }) | null };

/** Records an attempt did not write, and the (first) error why. */
interface Failed {
  records: readonly OutgoingRecord[];
  error: Error;
}

/** LEADER_NOT_AVAILABLE: the metadata names no leader for a partition, or no partitions for a topic. */
const LEADER_NOT_AVAILABLE = 5;

export class KafkaProducer {
  private readonly cluster: InternalCluster;
  private readonly partition = keyPartitioner();
  private producerId = -1n;
  private producerEpoch = -1;
  /** Whether the next send needs a producer id first: at the start, and after a send gave up on records the broker may have. */
  private needsProducerId: boolean;
  private readonly sequences = new Map<string, number>();
  /** With idempotence, the send under way: the next waits for it. */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(
    kafka: Kafka,
    private readonly options: KafkaProducerOptions,
  ) {
    this.cluster = createCluster(kafka, { allowAutoTopicCreation: true, metadataMaxAge: METADATA_MAX_AGE_MS });
    this.needsProducerId = options.idempotent;
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
    if (this.needsProducerId) await this.initProducerId();
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }

  /**
   * Writes `records`, each partition's in order; throws the broker's (kafkajs) error when retries run
   * out or it cannot help. With idempotence, one send at a time, retries included: a failed request's
   * sequence numbers go to its retry and to nothing else (had another send taken them meanwhile, a
   * broker that did store the failed request would take that send for a duplicate and drop it), and
   * sends are stored in the order they were made.
   */
  send(records: readonly OutgoingRecord[]): Promise<void> {
    if (!this.options.idempotent) return this.deliver(records);
    const sent = this.sending.catch(() => undefined).then(() => this.deliver(records));
    this.sending = sent;
    return sent;
  }

  private async deliver(records: readonly OutgoingRecord[]): Promise<void> {
    const backoff = new Backoff(this.options.retry.initialRetryTime, this.options.retry.maxRetryTime);
    const retries = this.options.retry.retries ?? 5;
    const topics = [...new Set(records.map((r) => r.topic))];
    let pending = records;
    for (let failures = 0; ; failures++) {
      let failed: Failed | null;
      try {
        await this.cluster.addMultipleTargetTopics(topics);
        if (this.needsProducerId) await this.initProducerId();
        failed = await this.sendOnce(pending);
        if (failed === null) return;
      } catch (err) {
        failed = { records: pending, error: err as Error };
      }
      const retriable = (failed.error as { retriable?: unknown }).retriable === true;
      if (!retriable || failures >= retries) {
        if (this.options.idempotent) this.needsProducerId = true;
        throw failed.error;
      }
      this.options.logger.warn(
        { ...errorFields(failed.error), records: failed.records.length, attempt: failures + 1 },
        'produce failed; retrying',
      );
      pending = failed.records;
      await backoff.sleep();
      await this.recover(failed.error);
    }
  }

  /** One request per leader; the records of partitions that failed with a retriable error come back (null: none), a fatal error is thrown. */
  private async sendOnce(records: readonly OutgoingRecord[]): Promise<Failed | null> {
    await this.cluster.refreshMetadataIfNecessary();
    const byLeader = this.groupByLeader(records);
    const failed: OutgoingRecord[] = [];
    let error: Error | null = null;
    let fatal: Error | null = null;
    await Promise.all(
      [...byLeader].map(async ([nodeId, batches]) => {
        try {
          if (nodeId < 0) throw createErrorFromCode(LEADER_NOT_AVAILABLE);
          const broker = await this.cluster.findBroker({ nodeId: String(nodeId) });
          for (const result of await this.produceRequest(broker, batches)) {
            if (result.error === null) continue;
            if (result.error.retriable) failed.push(...result.sent.batch.records);
            else fatal ??= result.error;
            error ??= result.error;
          }
        } catch (err) {
          for (const b of batches) failed.push(...b.batch.records);
          error ??= err as Error;
          if ((err as { retriable?: unknown }).retriable !== true) fatal ??= err as Error;
        }
      }),
    );
    if (fatal !== null) throw fatal;
    return error === null ? null : { records: failed, error };
  }

  /** Records grouped per topic and partition, in their order, under the partition's leader (-1: none known). */
  private groupByLeader(records: readonly OutgoingRecord[]): Map<number, Sequenced[]> {
    const byPartition = new Map<string, Sequenced & { leader: number }>();
    for (const r of records) {
      const partitionMetadata = this.cluster.findTopicPartitionMetadata(r.topic);
      if (partitionMetadata.length === 0) throw createErrorFromCode(LEADER_NOT_AVAILABLE);
      const partition = this.partition({ topic: r.topic, partitionMetadata, message: { key: r.key, value: null, partition: r.partition } });
      const id = `${r.topic}\u0000${partition}`;
      let entry = byPartition.get(id);
      if (entry === undefined) {
        const leader = partitionMetadata.find((p) => p.partitionId === partition)?.leader ?? -1;
        entry = { topic: r.topic, leader, batch: { partition, firstSequence: -1, records: [] } };
        byPartition.set(id, entry);
      }
      entry.batch.records.push(r);
    }
    const byLeader = new Map<number, Sequenced[]>();
    for (const { leader, ...entry } of byPartition.values()) {
      const list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, [entry]);
      else list.push(entry);
    }
    return byLeader;
  }

  /** One Produce request to `broker`; each batch's error (null when the broker took it). */
  private async produceRequest(broker: InternalBroker, batches: Sequenced[]): Promise<BatchResult[]> {
    const idempotent = this.producerId >= 0n;
    if (idempotent) for (const b of batches) b.batch.firstSequence = this.takeSequence(b.topic, b.batch.partition, b.batch.records.length);
    let results: PartitionResult[];
    try {
      results = await broker.connectionPool.send({
        request: {
          apiKey: PRODUCE_API_KEY,
          apiVersion: 3,
          apiName: 'Produce',
          encode: async () => {
            const bytes = encodeProduceRequest({
              acks: -1,
              timeoutMs: PRODUCE_TIMEOUT_MS,
              producerId: this.producerId,
              producerEpoch: this.producerEpoch,
              timestamp: Date.now(),
              topics: topicsOf(batches),
            });
            return { buf: bytes, buffer: bytes };
          },
        },
        response: { decode: async (body: Buffer) => decodeProduceResponse(body), parse: async (results: PartitionResult[]) => results },
      });
    } catch (err) {
      if (idempotent) for (const b of batches) this.giveBackSequence(b.topic, b.batch.partition, b.batch.records.length);
      throw err;
    }
    return batches.map((b) => {
      const code = results.find((r) => r.topic === b.topic && r.partition === b.batch.partition)?.errorCode ?? -1;
      if (code === 0) return { sent: b, error: null };
      if (idempotent) this.giveBackSequence(b.topic, b.batch.partition, b.batch.records.length);
      return { sent: b, error: createErrorFromCode(code) };
    });
  }

  private takeSequence(topic: string, partition: number, count: number): number {
    const id = sequenceKey(topic, partition);
    const first = this.sequences.get(id) ?? 0;
    this.sequences.set(id, (first + count) % MAX_SEQUENCE);
    return first;
  }

  private giveBackSequence(topic: string, partition: number, count: number): void {
    const id = sequenceKey(topic, partition);
    this.sequences.set(id, ((this.sequences.get(id) ?? 0) - count + MAX_SEQUENCE) % MAX_SEQUENCE);
  }

  /**
   * A producer id and epoch, sequences from 0: what the broker deduplicates retries by. Any broker
   * hands out one for a producer without a transactional id; kafkajs asks the controller, and so does
   * this when the cluster names one.
   */
  private async initProducerId(): Promise<void> {
    await this.cluster.refreshMetadataIfNecessary();
    const broker = await this.cluster.findControllerBroker().catch(() => {
      const first = this.cluster.brokerPool.metadata?.brokers[0];
      if (first === undefined) throw createErrorFromCode(LEADER_NOT_AVAILABLE);
      return this.cluster.findBroker({ nodeId: String(first.nodeId) });
    });
    const { producerId, producerEpoch } = await broker.initProducerId({ transactionTimeout: TRANSACTION_TIMEOUT_MS });
    this.producerId = BigInt(producerId);
    this.producerEpoch = producerEpoch;
    this.sequences.clear();
    this.needsProducerId = false;
  }

  /** After a failure, as kafkajs's producer does: reconnect a cluster that lost its connections, and ask for fresh metadata. */
  private async recover(error: Error): Promise<void> {
    const e = error as { name?: string; host?: string; port?: number };
    try {
      if (e.name === 'KafkaJSConnectionClosedError' && e.host !== undefined && e.port !== undefined) {
        this.cluster.removeBroker({ host: e.host, port: e.port });
      }
      if (!this.cluster.isConnected()) await this.cluster.connect();
      await this.cluster.refreshMetadata();
    } catch (err) {
      this.options.logger.warn(errorFields(err), 'refreshing metadata after a failed produce failed');
    }
  }
}

function topicsOf(batches: readonly Sequenced[]): Array<{ topic: string; partitions: PartitionBatch[] }> {
  const byTopic = new Map<string, PartitionBatch[]>();
  for (const b of batches) {
    const list = byTopic.get(b.topic);
    if (list === undefined) byTopic.set(b.topic, [b.batch]);
    else list.push(b.batch);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** A partition's key in the producer's sequence numbers. */
function sequenceKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
