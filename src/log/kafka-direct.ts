/**
 * Reads a partition without joining a consumer group. kafkajs has no manual partition assignment,
 * and a consumer in a throwaway group pays a full group join (about 3 s on a real broker's default
 * group.initial.rebalance.delay.ms, the same on librdkafka's mock) for every read. Instead this sends
 * plain Fetch requests to the partition leader through kafkajs's own cluster object
 * (kafka-cluster.ts): no group, no join, one round trip per batch.
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { NoLeader } from './errors.js';
import { createCluster, type InternalCluster } from './kafka-cluster.js';

const READ_COMMITTED = 1;

export interface FetchedBatch {
  messages: KafkaMessage[];
  /** Offset after the last message of the response (including filtered control records). */
  nextOffset: number;
  highWatermark: number;
}

export class DirectReader {
  private readonly cluster: InternalCluster;
  private connected: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {
    this.cluster = createCluster(kafka, { allowAutoTopicCreation: false });
  }

  private connect(): Promise<void> {
    this.connected ??= this.cluster.connect().catch((err: unknown) => {
      this.connected = null;
      throw err;
    });
    return this.connected;
  }

  /** True when the cluster names a reachable controller (needed by CreateTopics and idempotence). */
  async hasController(): Promise<boolean> {
    await this.connect();
    try {
      await this.cluster.refreshMetadata();
      await this.cluster.findControllerBroker();
      return true;
    } catch {
      return false;
    }
  }

  /** One Fetch from the leader, starting at `offset`; returns no messages when there are none yet. */
  async fetch(topic: string, partition: number, offset: number): Promise<FetchedBatch> {
    await this.connect();
    await this.cluster.addTargetTopic(topic);
    const leaders = this.cluster.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) throw new NoLeader({ topic, partition });
    const broker = await this.cluster.findBroker({ nodeId });
    const response = await broker.fetch({
      replicaId: -1,
      isolationLevel: READ_COMMITTED,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: this.maxBytes,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: this.maxBytes }] }],
    });
    const result = response.responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === partition);
    if (!result) throw new Error(`fetch response lacks ${topic}[${partition}]`);
    const all = result.messages;
    const nextOffset = all.length > 0 ? Number(all[all.length - 1].offset) + 1 : offset;
    // A compressed or multi-record batch can start before the requested offset.
    const messages = all.filter((m) => !m.isControlRecord && Number(m.offset) >= offset);
    return { messages, nextOffset: Math.max(nextOffset, offset), highWatermark: Number(result.highWatermark) };
  }

  /** Forces fresh metadata, after a leader moved. */
  async refresh(): Promise<void> {
    await this.connect();
    await this.cluster.refreshMetadata();
  }

  async close(): Promise<void> {
    if (this.connected) {
      await this.connected.catch(() => undefined);
      await this.cluster.disconnect();
      this.connected = null;
    }
  }
}
