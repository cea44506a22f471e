import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaLog } from '../../src/log/kafka.js';
import { type LogSink, silentSink } from '../../src/log/log-logger.js';
import type { RecordsLost } from '../../src/log/types.js';
import { type MockKafka, startMockKafka } from '../helpers/mock-kafka.js';
import { describeEventLogConformance } from './conformance.js';

let mock: MockKafka;

beforeAll(async () => {
  mock = await startMockKafka({ brokers: 1 });
});

afterAll(async () => {
  await mock?.stop();
});

function kafkaLog(logger?: LogSink): KafkaLog {
  return new KafkaLog({
    brokers: mock.brokers,
    clientId: 'recstream-test',
    logger,
    retry: { initialRetryTime: 100, retries: 5 },
    // The mock broker waits about (session timeout - 1 s) for members on a rebalance: keep it short.
    consumer: { heartbeatInterval: 300, sessionTimeout: 2_500, rebalanceTimeout: 2_500, maxWaitTimeInMs: 200 },
  });
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  const answer = await mock.command(`create ${topic} ${partitions}`);
  if (answer !== 'ok') throw new Error(`creating ${topic}: ${answer}`);
}

describeEventLogConformance('kafka', async () => {
  const log = kafkaLog();
  return { log, createTopic, teardown: () => log.close() };
});

describe('KafkaLog', () => {
  it('writes a produce() of several MB (a state commit) whole and in order, in requests a default broker takes', async () => {
    const log = kafkaLog();
    try {
      await createTopic('kafka-large-commit', 1);
      const value = (n: number) => Buffer.alloc(5_000, n % 251);
      await log.produce(
        Array.from({ length: 700 }, (_, n) => ({ topic: 'kafka-large-commit', key: `item-${n}`, value: value(n), partition: 0 })),
      );
      const got: Array<[string, number]> = [];
      await log.readRange({ topic: 'kafka-large-commit', partition: 0 }, '0', '700', (records) => {
        for (const r of records) got.push([r.key!.toString(), r.value![0]!]);
      });
      expect(got).toEqual(Array.from({ length: 700 }, (_, n) => [`item-${n}`, n % 251]));
    } finally {
      await log.close();
    }
  });

  it('stops without topics a cluster will not create, naming each with its partitions and cleanup policy', async () => {
    const log = kafkaLog();
    try {
      await createTopic('kafka-existing', 2);
      // the mock cluster refuses CreateTopics: topics that exist are enough, a missing one is not
      await log.ensureTopics([{ topic: 'kafka-existing', partitions: 2 }]);
      const refused = log.ensureTopics([
        { topic: 'kafka-existing', partitions: 2 },
        { topic: 'kafka-not-creatable', partitions: 3, compacted: true },
        { topic: 'kafka-not-creatable-either', partitions: 1 },
      ]);
      await expect(refused).rejects.toMatchObject({ code: 'RS_LOG_TOPICS_MISSING', retriable: false });
      const message = String(await refused.catch((err: Error) => err.message));
      expect(message).toContain('kafka-not-creatable: 3 partitions, cleanup.policy=compact');
      expect(message).toContain('kafka-not-creatable-either: 1 partition)');
      expect(message).not.toContain('kafka-existing');
      expect(await log.partitionsFor('kafka-not-creatable')).toBe(0);
    } finally {
      await log.close();
    }
  });

  it('retries produce and fetch requests that fail with retriable broker errors', async () => {
    const warnings: string[] = [];
    const sink: LogSink = {
      error: (_o, m) => warnings.push(`error ${m}`),
      warn: (_o, m) => warnings.push(`warn ${m}`),
      info: () => undefined,
      debug: () => undefined,
    };
    const log = new KafkaLog({
      brokers: mock.brokers,
      clientId: 'faults',
      logger: sink,
      logLevel: 'warn',
      retry: { initialRetryTime: 50, retries: 5 },
    });
    const tp = { topic: 'kafka-faults', partition: 0 };
    try {
      await createTopic(tp.topic, 1);
      await log.connect();
      // Produce (API key 0) answered with NOT_ENOUGH_REPLICAS (19) twice, then accepted.
      expect(await mock.command('error 0 19 2')).toBe('ok');
      await log.produce(Array.from({ length: 5 }, (_, i) => ({ topic: tp.topic, key: null, value: Buffer.from(`f${i}`), partition: 0 })));
      expect(await log.offsets(tp)).toEqual({ low: '0', high: '5' });

      // Fetch (API key 1) answered with NOT_LEADER_OR_FOLLOWER (6) twice, then served.
      expect(await mock.command('error 1 6 2')).toBe('ok');
      const got: string[] = [];
      await log.readRange(tp, '0', '5', (records) => {
        got.push(...records.map((r) => r.value!.toString()));
      });
      expect(got).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
      // Both faults really happened, each retried once and logged.
      expect(warnings.filter((w) => w === 'warn produce failed; retrying')).toHaveLength(2);
      expect(warnings.filter((w) => w === 'warn fetch failed; retrying')).toHaveLength(2);
    } finally {
      await mock.command('clear 0');
      await mock.command('clear 1');
      await log.close();
    }
  });

  it('keeps its partitions through a batch longer than the session timeout and resumes the paused partition', async () => {
    const log = new KafkaLog({
      brokers: mock.brokers,
      clientId: 'slow',
      consumer: { heartbeatInterval: 300, sessionTimeout: 2_500, rebalanceTimeout: 2_500, maxWaitTimeInMs: 200, slowBatchMs: 500 },
    });
    const topic = 'kafka-slow';
    try {
      await createTopic(topic, 1);
      await log.produce([{ topic, key: null, value: Buffer.from('slow'), partition: 0 }]);
      const seen: string[] = [];
      const revoked: string[] = [];
      let sawLate: () => void = () => undefined;
      const late = new Promise<void>((resolve) => {
        sawLate = resolve;
      });
      const consumer = log.consumer({ groupId: 'slow-group', topics: [topic] });
      await consumer.run(
        async (batch) => {
          seen.push(...batch.records.map((r) => r.value!.toString()));
          if (seen.includes('late')) sawLate();
          if (seen.length === 1) {
            await log.produce([{ topic, key: null, value: Buffer.from('late'), partition: 0 }]);
            // Outlive the session timeout: only the heartbeats sent during the batch keep the member in.
            await new Promise((resolve) => setTimeout(resolve, 4_000));
          }
        },
        {
          onRevoked: (tps) => {
            revoked.push(...tps.map((tp) => `${tp.topic}:${tp.partition}`));
          },
        },
      );
      await late;
      expect(seen).toEqual(['slow', 'late']);
      expect(revoked).toEqual([]);
      expect(consumer.assignment()).toEqual([{ topic, partition: 0 }]);
      await consumer.stop();
      expect(revoked).toEqual([`${topic}:0`]);
    } finally {
      await log.close();
    }
  });

  it('commits a caught-up partition at once, one behind at most once per commit interval, and the rest when no batch comes to carry it', async () => {
    const log = new KafkaLog({
      brokers: mock.brokers,
      clientId: 'commit-interval',
      retry: { initialRetryTime: 100, retries: 5 },
      consumer: { heartbeatInterval: 300, sessionTimeout: 2_500, rebalanceTimeout: 2_500, maxWaitTimeInMs: 100, commitIntervalMs: 2_000 },
    });
    const topic = 'kafka-commit-interval';
    const tp = { topic, partition: 0 };
    try {
      await createTopic(topic, 1);
      // three producer batches: the mock broker answers a fetch with one, so the first two batches are behind
      for (const value of ['a', 'b', 'c']) await log.produce([{ topic, key: null, value: Buffer.from(value), partition: 0 }]);
      const handled: string[] = [];
      let cFails = true;
      const consumer = log.consumer({ groupId: 'commit-interval-group', topics: [topic] });
      await consumer.run(async (batch) => {
        const values = batch.records.map((r) => r.value!.toString());
        if (values.includes('c') && cFails) throw new Error('c is not handled yet');
        handled.push(...values);
      });
      const committed = async () => (await consumer.committed([tp]))[0].offset;

      await vi.waitFor(() => expect(handled).toEqual(['a', 'b']), { timeout: 10_000, interval: 10 });
      const bHandledAt = Date.now();
      // a went with the first commit; b is behind and within the interval: it waits
      expect(await committed()).toBe('1');
      // c keeps failing, so no batch carries b's offset: it goes once the interval has passed
      await vi.waitFor(async () => expect(await committed()).toBe('2'), { timeout: 10_000, interval: 50 });
      expect(Date.now() - bHandledAt).toBeGreaterThan(1_000);
      // c handled at last: caught up, committed at once
      cFails = false;
      await vi.waitFor(async () => expect(await committed()).toBe('3'), { timeout: 10_000, interval: 50 });
      expect(handled).toEqual(['a', 'b', 'c']);
      await consumer.stop();
    } finally {
      await log.close();
    }
  });

  it('says how many records the broker deleted before the group read them, when kafkajs resets its position (both kafkajs log levels)', async () => {
    for (const logLevel of ['error', 'nothing'] as const) {
      const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
      const logger = {
        ...silentSink,
        warn: (fields: object, msg = '') => warnings.push({ fields: fields as Record<string, unknown>, msg }),
      };
      const log = new KafkaLog({
        brokers: mock.brokers,
        clientId: 'records-lost',
        logger,
        logLevel,
        retry: { initialRetryTime: 100, retries: 5 },
        consumer: { heartbeatInterval: 300, sessionTimeout: 2_500, rebalanceTimeout: 2_500, maxWaitTimeInMs: 200 },
      });
      const topic = `kafka-records-lost-${logLevel}`;
      const partitions = [0, 1, 2, 3];
      try {
        await createTopic(topic, partitions.length);
        for (const partition of partitions) {
          await log.produce(Array.from({ length: 10 }, (_, n) => ({ topic, key: null, value: Buffer.from(`early-${n}`), partition })));
        }
        const first = log.consumer({ groupId: 'records-lost-group', topics: [topic] });
        let seen = 0;
        await first.run(async (batch) => {
          seen += batch.records.length;
        });
        await vi.waitFor(() => expect(seen).toBe(40), { timeout: 10_000, interval: 20 });
        await first.stop();
        const tps = partitions.map((partition) => ({ topic, partition }));
        expect((await first.committed(tps)).map((c) => c.offset)).toEqual(['10', '10', '10', '10']);

        // the mock keeps 5 MiB a partition: 6 MB more deletes what the group had not read yet
        for (const partition of partitions) {
          for (let n = 0; n < 6; n++) {
            await log.produce(Array.from({ length: 100 }, () => ({ topic, key: null, value: Buffer.alloc(10_000, n), partition })));
          }
        }
        const bounds = await Promise.all(tps.map((tp) => log.offsets(tp)));
        for (const { low } of bounds) expect(Number(low)).toBeGreaterThan(10);

        const lost: RecordsLost[] = [];
        const firstOffsets = new Map<number, string>();
        const last = new Map<number, string>();
        const second = log.consumer({ groupId: 'records-lost-group', topics: [topic] });
        await second.run(
          async (batch) => {
            if (!firstOffsets.has(batch.partition)) firstOffsets.set(batch.partition, batch.records[0].offset);
            last.set(batch.partition, batch.records.at(-1)!.offset);
          },
          { onRecordsLost: (l) => lost.push(l) },
        );
        const ends = bounds.map(({ high }) => String(Number(high) - 1));
        await vi.waitFor(() => expect(partitions.map((p) => last.get(p))).toEqual(ends), { timeout: 20_000, interval: 20 });
        await second.stop();
        // each partition read on from where the broker's log now starts, with what went between said
        // once — the first reset too, which kafkajs commits as the member's first fetch comes back
        expect(partitions.map((p) => firstOffsets.get(p))).toEqual(bounds.map(({ low }) => low));
        const expected = tps.map((tp, i) => ({ ...tp, records: Number(bounds[i].low) - 10, resumedAt: bounds[i].low }));
        expect([...lost].sort((a, b) => a.partition - b.partition)).toEqual(expected);
        const said = warnings.filter((w) => w.msg.includes('deleted by retention'));
        expect(said).toHaveLength(4);
        expect(said[0].fields).toMatchObject({ topic, groupId: 'records-lost-group' });
        expect(said[0].msg).toContain('retention.bytes');
      } finally {
        await log.close();
      }
    }
  }, 60_000);

  it('reports no partitions for a topic that does not exist, without creating it', async () => {
    const log = kafkaLog();
    try {
      expect(await log.partitionsFor('kafka-never-made')).toBe(0);
      expect(await log.partitionsFor('kafka-never-made')).toBe(0);
    } finally {
      await log.close();
    }
  });

  it('names the brokers with RS_LOG_UNREACHABLE, retriable, when none can be connected to', async () => {
    const log = new KafkaLog({ brokers: ['127.0.0.1:1'], clientId: 'nobody-home', retry: { retries: 0 }, connectionTimeout: 500 });
    try {
      const failure = await log.connect().then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure).toMatchObject({
        name: 'LogUnreachable',
        code: 'RS_LOG_UNREACHABLE',
        retriable: true,
        message: expect.stringContaining('127.0.0.1:1'),
      });
      expect((failure as Error).cause).toBeInstanceOf(Error);
    } finally {
      await log.close();
    }
  });

  it('reports records the cluster did not take as RS_LOG_WRITE_FAILED, retriable as kafkajs judged the broker error', async () => {
    const log = new KafkaLog({ brokers: mock.brokers, clientId: 'refused', retry: { initialRetryTime: 50, retries: 1 } });
    const topic = 'kafka-refused';
    const record = { topic, key: null, value: Buffer.from('r'), partition: 0 };
    try {
      await createTopic(topic, 1);
      await log.connect();
      // Produce (API key 0) answered with TOPIC_AUTHORIZATION_FAILED (29): no retry helps.
      expect(await mock.command('error 0 29 1')).toBe('ok');
      await expect(log.produce([record])).rejects.toMatchObject({ code: 'RS_LOG_WRITE_FAILED', retriable: false });
      // NOT_ENOUGH_REPLICAS (19) more often than the retries: a later attempt may succeed.
      expect(await mock.command('error 0 19 5')).toBe('ok');
      await expect(log.produce([record])).rejects.toMatchObject({ code: 'RS_LOG_WRITE_FAILED', retriable: true });
    } finally {
      await mock.command('clear 0');
      await log.close();
    }
  });
});
