/**
 * Starts librdkafka's mock Kafka cluster (scripts/mock-kafka.c) for a test file: real wire protocol
 * on loopback, topics pre-created, faults injected through `command` (create/down/up/rtt/error/
 * clear/leader). The launcher itself lives in src/bench/mock-cluster.ts, shared with `recstream bench`.
 */
export {
  type MockCluster as MockKafka,
  type MockClusterOptions as MockKafkaOptions,
  startMockCluster as startMockKafka,
} from '../../src/bench/mock-cluster.js';
