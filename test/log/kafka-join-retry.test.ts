import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '../../src/log/kafka.js';
import type { LogSink } from '../../src/log/log-logger.js';
import type { LogRecord } from '../../src/log/types.js';
import { INVALID_REQUEST, type MockKafka, SYNC_GROUP, startMockKafka } from '../helpers/mock-kafka.js';

describe('a Kafka group member whose first SyncGroup fails with an error kafkajs does not retry', () => {
  let mock: MockKafka;
  let log: KafkaLog;
  const warnings: string[] = [];
  const sink: LogSink = {
    error: () => undefined,
    warn: (_o, msg) => {
      warnings.push(msg ?? '');
    },
    info: () => undefined,
    debug: () => undefined,
  };

  beforeAll(async () => {
    mock = await startMockKafka({ brokers: 1, topics: [{ topic: 'join-retry', partitions: 2 }] });
    log = new KafkaLog({
      brokers: mock.brokers,
      clientId: 'join-retry',
      logger: sink,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 },
      // The failed attempt's member stays in the group until its session times out; keep that short.
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 1_000, rebalanceTimeout: 10_000 },
    });
    await log.connect();
  });

  afterAll(async () => {
    await log?.close();
    await mock?.stop();
  });

  it('joins again, gets its partitions and consumes', async () => {
    await log.produce([{ topic: 'join-retry', key: 'a', value: Buffer.from('hello') }]);
    expect(await mock.command(`error ${SYNC_GROUP} ${INVALID_REQUEST} 1`)).toBe('ok');
    const consumer = log.consumer({ groupId: 'join-retry-group', topics: ['join-retry'], fromBeginning: true });
    const got: LogRecord[] = [];
    let onRecord: () => void = () => undefined;
    const received = new Promise<void>((resolve) => {
      onRecord = resolve;
    });
    await consumer.run(async (batch) => {
      got.push(...batch.records);
      onRecord();
    });
    await received;
    expect(warnings).toContain('joining the consumer group failed; joining again');
    expect(consumer.assignment()).toHaveLength(2);
    expect(got.map((r) => r.value?.toString())).toEqual(['hello']);
    await consumer.stop();
  }, 60_000);
});
