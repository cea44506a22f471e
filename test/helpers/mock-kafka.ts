/**
 * Starts librdkafka's mock Kafka cluster (scripts/mock-kafka.c) for a test file: real wire protocol
 * on loopback, topics pre-created, faults injected through `command` (create/down/up/rtt/error/
 * clear/leader). The launcher itself lives in src/bench/mock-cluster.ts, shared with `recstream bench`.
 */
import { afterAll, beforeAll } from 'vitest';
import { type MockCluster, startMockCluster } from '../../src/bench/mock-cluster.js';

export {
  type MockCluster as MockKafka,
  type MockClusterOptions as MockKafkaOptions,
  startMockCluster as startMockKafka,
} from '../../src/bench/mock-cluster.js';

/** Kafka API key of SyncGroup, and the error librdkafka's mock answers a join with under load (`error` injects it). */
export const SYNC_GROUP = 14;
export const INVALID_REQUEST = 42;

export interface MockKafkaForFile {
  /** The running cluster, once the file's beforeAll has run. */
  readonly cluster: MockCluster;
  /** Run last-first after the file's tests, before the cluster stops (engines, clients, readers). */
  readonly cleanups: Array<() => Promise<unknown>>;
}

/** One single-broker mock cluster for the calling test file, and the cleanups to run before it stops. */
export function mockKafkaForFile(): MockKafkaForFile {
  let cluster: MockCluster | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    cluster = await startMockCluster({ brokers: 1 });
  }, 60_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await cluster?.stop();
  });
  return {
    get cluster(): MockCluster {
      if (cluster === undefined) throw new Error('the mock cluster starts in beforeAll');
      return cluster;
    },
    cleanups,
  };
}
