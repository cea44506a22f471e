import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/bench/stats.js';
import { KafkaLog } from '../../src/log/kafka.js';
import type { LogSink } from '../../src/log/log-logger.js';
import type { GroupConsumer, LogRecord } from '../../src/log/types.js';
import { INVALID_REQUEST, type MockKafka, SYNC_GROUP, startMockKafka } from '../helpers/mock-kafka.js';

const TOPIC = 'join-retry';
const JOINING_AGAIN = 'joining the consumer group failed; joining again';

describe('Kafka group members whose joins fail with an error kafkajs does not retry, or who stop while joining', () => {
  let mock: MockKafka;
  let log: KafkaLog;
  const warnings: string[] = [];
  let onWarning: (msg: string) => void = () => undefined;
  const sink: LogSink = {
    error: () => undefined,
    warn: (_o, msg) => {
      warnings.push(msg ?? '');
      onWarning(msg ?? '');
    },
    info: () => undefined,
    debug: () => undefined,
  };

  beforeAll(async () => {
    mock = await startMockKafka({ brokers: 1, topics: [{ topic: TOPIC, partitions: 2 }] });
    log = new KafkaLog({
      brokers: mock.brokers,
      clientId: 'join-retry',
      logger: sink,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 },
      // The failed attempt's member stays in the group until its session times out; keep that short.
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 1_000, rebalanceTimeout: 10_000 },
    });
    await log.connect();
    await log.produce([{ topic: TOPIC, key: 'a', value: Buffer.from('hello') }]);
  });

  afterAll(async () => {
    await log?.close();
    await mock?.stop();
  });

  /** Runs a member of `groupId` that keeps the records it is handed. */
  function member(groupId: string): { consumer: GroupConsumer; running: Promise<void>; handled: LogRecord[] } {
    const consumer = log.consumer({ groupId, topics: [TOPIC], fromBeginning: true });
    const handled: LogRecord[] = [];
    const running = consumer.run(async (batch) => {
      handled.push(...batch.records);
    });
    running.catch(() => undefined);
    return { consumer, running, handled };
  }

  /** Resolves at the next warning that a member joins again after a failed join. */
  function nextJoinFailure(): Promise<void> {
    return new Promise<void>((resolve) => {
      onWarning = (msg) => {
        if (msg !== JOINING_AGAIN) return;
        onWarning = () => undefined;
        resolve();
      };
    });
  }

  /** A member of the group that gets both partitions and the record. */
  async function expectSoleMember(groupId: string): Promise<GroupConsumer> {
    const m = member(groupId);
    await m.running;
    expect(m.consumer.assignment()).toHaveLength(2);
    await expect.poll(() => m.handled.map((r) => r.value?.toString()), { timeout: 15_000 }).toEqual(['hello']);
    return m.consumer;
  }

  /** Stopped, the member neither joins later nor holds partitions: a new member gets them all and the record. */
  async function expectGone(groupId: string, left: ReturnType<typeof member>): Promise<void> {
    await sleep(2_000);
    expect(left.handled).toEqual([]);
    expect(left.consumer.assignment()).toEqual([]);
    await (await expectSoleMember(groupId)).stop();
  }

  it('joins again after a SyncGroup failed, gets its partitions and consumes', async () => {
    expect(await mock.command(`error ${SYNC_GROUP} ${INVALID_REQUEST} 1`)).toBe('ok');
    const failed = nextJoinFailure();
    const consumer = await expectSoleMember('join-retry-group');
    await failed;
    expect(warnings).toContain(JOINING_AGAIN);
    await consumer.stop();
  }, 60_000);

  it('stopped while it waits to join again after a failed join: run() rejects with RS_CONSUMER_STOPPED and stop() resolves', async () => {
    expect(await mock.command(`error ${SYNC_GROUP} ${INVALID_REQUEST} 1`)).toBe('ok');
    const failed = nextJoinFailure();
    const first = member('stop-between-joins');
    await failed;
    await first.consumer.stop();
    await expect(first.running).rejects.toMatchObject({ code: 'RS_CONSUMER_STOPPED' });
    await expectGone('stop-between-joins', first);
  }, 60_000);

  it('stopped while its join is on its way: run() rejects with RS_CONSUMER_STOPPED and stop() resolves', async () => {
    const first = member('stop-mid-join');
    // the mock holds a group's first join for ~3 s (its initial rebalance delay)
    await sleep(300);
    await first.consumer.stop();
    await expect(first.running).rejects.toMatchObject({ code: 'RS_CONSUMER_STOPPED' });
    await expectGone('stop-mid-join', first);
  }, 60_000);
});
