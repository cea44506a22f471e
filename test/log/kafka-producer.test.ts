import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog, type KafkaLogOptions } from '../../src/log/kafka.js';
import { DirectReader } from '../../src/log/kafka-direct.js';
import { type MockKafka, startMockKafka } from '../helpers/mock-kafka.js';

let mock: MockKafka;
const topic = 'idempotent';
const PARTITIONS = 4;

beforeAll(async () => {
  mock = await startMockKafka({
    brokers: 3,
    topics: [
      { topic, partitions: PARTITIONS },
      { topic: 'moving', partitions: PARTITIONS },
      { topic: 'ordered', partitions: 1 },
    ],
  });
}, 60_000);

afterAll(async () => {
  await mock?.stop();
});

interface StoredRecord {
  value: string;
  producerId: string;
  firstSequence: number;
}

/** Every record of `topic` with the producer id and first sequence of the batch it was stored in, per partition. */
async function storedRecords(topic = 'idempotent', partitionCount = PARTITIONS): Promise<StoredRecord[][]> {
  const reader = new DirectReader(new Kafka({ brokers: mock.brokers, clientId: 'reader', logLevel: logLevel.NOTHING }));
  try {
    const partitions: StoredRecord[][] = [];
    for (let partition = 0; partition < partitionCount; partition++) {
      const records: StoredRecord[] = [];
      for (let offset = 0; ; ) {
        const batch = await reader.fetch(topic, partition, offset);
        if (batch.messages.length === 0) break;
        for (const m of batch.messages) {
          const context = (m as unknown as { batchContext: { producerId: string; firstSequence: number } }).batchContext;
          records.push({ value: String(m.value), producerId: context.producerId, firstSequence: context.firstSequence });
        }
        offset = batch.nextOffset;
      }
      partitions.push(records);
    }
    return partitions;
  } finally {
    await reader.close();
  }
}

/** A KafkaLog on the mock that keeps its warnings ("message: error message") and tells `onWarning` of each. */
function watchedLog(clientId: string, options: Partial<KafkaLogOptions>, onWarning: (message: string) => void = () => undefined) {
  const warnings: string[] = [];
  const warn = (o: object, m?: string) => {
    warnings.push(`${m}: ${(o as { err?: { message?: string } }).err?.message}`);
    onWarning(m ?? '');
  };
  const log = new KafkaLog({
    brokers: mock.brokers,
    clientId,
    logger: { error: () => undefined, warn, info: () => undefined, debug: () => undefined },
    retry: { initialRetryTime: 50, retries: 3 },
    ...options,
  });
  return { log, warnings };
}

describe('the idempotent producer', () => {
  it("numbers each partition's batches without gaps, reuses a failed request's numbers for its retry, and takes a new producer id after giving up", async () => {
    const { log, warnings } = watchedLog('idempotent', { idempotent: true });
    const round = (n: number) =>
      Array.from({ length: 40 }, (_, i) => ({ topic, key: `user-${(i * 7 + n) % 23}`, value: Buffer.from(`r${n}-${i}`) }));
    try {
      await log.connect();
      for (const n of [1, 2, 3]) await log.produce(round(n));
      // Produce (API key 0) answered with NOT_ENOUGH_REPLICAS (19) once: one leader's request fails and is sent again.
      expect(await mock.command('error 0 19 1')).toBe('ok');
      await log.produce(round(4));
      expect(warnings.filter((w) => w.startsWith('produce failed; retrying:'))).toHaveLength(1);
      // TOPIC_AUTHORIZATION_FAILED (29): no retry; the records of that request may or may not be stored.
      expect(await mock.command('error 0 29 1')).toBe('ok');
      await expect(log.produce(round(5))).rejects.toMatchObject({ code: 'RS_LOG_WRITE_FAILED', retriable: false });
      await log.produce(round(6));
    } finally {
      await mock.command('clear 0');
      await log.close();
    }

    const partitions = await storedRecords();
    const values = partitions.flat().map((r) => r.value);
    for (const n of [1, 2, 3, 4, 6]) {
      const mine = values.filter((v) => v.startsWith(`r${n}-`));
      expect(mine.sort()).toEqual(
        round(n)
          .map((r) => r.value.toString())
          .sort(),
      );
    }
    const producerIds = [...new Set(partitions.flat().map((r) => r.producerId))];
    expect(producerIds).toHaveLength(2);
    expect(producerIds.every((id) => BigInt(id) >= 0n)).toBe(true);
    for (const records of partitions) {
      expect(records.length).toBeGreaterThan(0);
      // Per producer id, each batch starts where the records before it end: no number skipped or used twice.
      const stored = new Map<string, number>();
      for (const [i, r] of records.entries()) {
        const before = stored.get(r.producerId) ?? 0;
        const startsBatch = i === 0 || records[i - 1].firstSequence !== r.firstSequence || records[i - 1].producerId !== r.producerId;
        if (startsBatch) expect(r.firstSequence).toBe(before);
        stored.set(r.producerId, before + 1);
      }
      // The second producer id numbers from 0 again, and only round 6 (and what round 5 stored) carries it.
      expect(records.filter((r) => r.producerId === producerIds[1]).every((r) => /^r[56]-/.test(r.value))).toBe(true);
    }
  });

  it('holds a send made while another waits to retry until that one is stored, so each keeps its sequence numbers and its place', async () => {
    let retrying: () => void = () => undefined;
    const aRetries = new Promise<void>((resolve) => {
      retrying = resolve;
    });
    const { log } = watchedLog('ordered', { idempotent: true, retry: { initialRetryTime: 300, retries: 3 } }, (m) => {
      if (m === 'produce failed; retrying') retrying();
    });
    const record = (value: string) => ({ topic: 'ordered', key: null, partition: 0, value: Buffer.from(value) });
    try {
      await log.connect();
      await log.produce([record('a0')]);
      // Produce (API key 0) answered with NOT_ENOUGH_REPLICAS (19) once: the next send waits to retry.
      expect(await mock.command('error 0 19 1')).toBe('ok');
      const a = log.produce([record('a1'), record('a2')]);
      await aRetries;
      const b = log.produce([record('b1')]);
      await Promise.all([a, b]);
    } finally {
      await mock.command('clear 0');
      await log.close();
    }
    const [stored] = await storedRecords('ordered', 1);
    expect(stored.map((r) => r.value)).toEqual(['a0', 'a1', 'a2', 'b1']);
    expect(stored.map((r) => r.firstSequence)).toEqual([0, 1, 1, 3]);
  });
});

describe('the producer when a leader moves', () => {
  it('sends to the old leader, is told it is not the leader, and sends again to the new one only what that partition had', async () => {
    const { log, warnings } = watchedLog('moving', { retry: { initialRetryTime: 50, retries: 5 } });
    const tp = { topic: 'moving', partition: 0 };
    try {
      expect(await mock.command('leader moving 0 1')).toBe('ok');
      expect(await mock.command('leader moving 1 1')).toBe('ok');
      await log.connect();
      await log.produce([{ ...tp, key: null, value: Buffer.from('first') }]);
      // The producer's metadata still names broker 1 for partition 0; its request with partition 1's
      // record is taken for partition 1 and refused for partition 0.
      expect(await mock.command('leader moving 0 3')).toBe('ok');
      await log.produce([
        { ...tp, key: null, value: Buffer.from('second') },
        { topic: 'moving', partition: 1, key: null, value: Buffer.from('elsewhere') },
      ]);
      await log.produce([{ ...tp, key: null, value: Buffer.from('third') }]);
    } finally {
      await log.close();
    }
    const retried = warnings.filter((w) => w.startsWith('produce failed; retrying:'));
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatch(/not the leader/);
    const [p0, p1] = await storedRecords('moving');
    expect(p0.map((r) => r.value)).toEqual(['first', 'second', 'third']);
    expect(p1.map((r) => r.value)).toEqual(['elsewhere']);
  });
});
