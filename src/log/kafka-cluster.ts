/**
 * kafkajs's own cluster object (the one its producer and consumer are built on), for the requests
 * recstream sends itself: plain Fetches (kafka-direct.ts) and Produces (kafka-producer.ts). kafkajs
 * keeps the factory behind a private symbol, so it is looked up once here; the types below are the
 * parts of kafkajs 2.2.x's cluster and broker that recstream calls, and the dependency is pinned to
 * that minor version.
 */
import type { Kafka, KafkaMessage, PartitionMetadata } from 'kafkajs';
import { KafkaClientUnsupported } from './errors.js';

interface FetchPartitionResponse {
  partition: number;
  errorCode: number;
  highWatermark: string;
  messages: Array<KafkaMessage & { isControlRecord?: boolean }>;
}

/**
 * A request as kafkajs's connection sends it: `encode` returns what kafkajs's request framing copies
 * after the header (an object with the bytes as both `buf` and `buffer`, the shape of its Encoder);
 * the connection hands the response body to `decode` and returns what `parse` makes of it.
 */
interface ProtocolRequest<T> {
  request: {
    apiKey: number;
    apiVersion: number;
    apiName: string;
    encode(): Promise<{ buf: Buffer; buffer: Buffer }>;
  };
  response: { decode(body: Buffer): Promise<T>; parse(decoded: T): Promise<T> };
}

export interface InternalBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: FetchPartitionResponse[] }> }>;
  initProducerId(request: { transactionTimeout: number }): Promise<{ producerId: string; producerEpoch: number }>;
  connectionPool: { send<T>(request: ProtocolRequest<T>): Promise<T> };
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  addTargetTopic(topic: string): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): PartitionMetadata[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<InternalBroker>;
  findControllerBroker(): Promise<InternalBroker>;
  removeBroker(args: { host: string; port: number }): void;
  /** The cluster's last metadata answer (null before the first). */
  brokerPool: { metadata: { brokers: Array<{ nodeId: number }> } | null };
}

type ClusterFactory = (options: { allowAutoTopicCreation?: boolean; metadataMaxAge?: number }) => InternalCluster;

/**
 * A cluster of its own (its own connections and metadata) on `kafka`'s brokers and settings. Without
 * `metadataMaxAge` its metadata is stale at once, and refreshMetadataIfNecessary asks every time.
 */
export function createCluster(kafka: Kafka, options: { allowAutoTopicCreation: boolean; metadataMaxAge?: number }): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== 'function') {
    throw new KafkaClientUnsupported();
  }
  return (factory as ClusterFactory)(options);
}
