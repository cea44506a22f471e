import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockKafka, startMockKafka } from '../helpers/mock-kafka.js';

describe('mock Kafka cluster launcher', () => {
  let mock: MockKafka;

  beforeAll(async () => {
    mock = await startMockKafka({ topics: [{ topic: 'pre', partitions: 3 }], brokers: 2 });
  });

  afterAll(async () => {
    await mock?.stop();
  });

  it('serves pre-created and command-created topics over the Kafka protocol', async () => {
    expect(mock.brokers).toHaveLength(2);
    expect(await mock.command('create made 5')).toBe('ok');
    const admin = new Kafka({ brokers: mock.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: ['pre', 'made'] });
      const counts = Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
      expect(counts).toEqual({ pre: 3, made: 5 });
    } finally {
      await admin.disconnect();
    }
  });

  it('answers commands with ok or an error', async () => {
    expect(await mock.command('rtt 1 0')).toBe('ok');
    expect(await mock.command('down 2')).toBe('ok');
    expect(await mock.command('up 2')).toBe('ok');
    expect(await mock.command('error 0 6 1')).toBe('ok');
    expect(await mock.command('clear 0')).toBe('ok');
    expect(await mock.command('no-such-command')).toMatch(/^error /);
    expect(await mock.command('create bad 0')).toMatch(/^error /);
  });
});
