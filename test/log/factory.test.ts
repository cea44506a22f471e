import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createEventLog } from '../../src/log/index.js';

describe('createEventLog', () => {
  it('picks the embedded log without brokers and Kafka with them', async () => {
    const embedded = createEventLog({ kafka: null, partitions: 3, dataDir: null, logLevel: 'info' });
    expect(embedded.kind).toBe('embedded');
    await embedded.produce([{ topic: 't', key: 'k', value: null }]);
    expect(await embedded.partitionsFor('t')).toBe(3);
    await embedded.close();

    const { kafka: kafkaConfig } = loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_CLIENT_ID: 'x' });
    const kafka = createEventLog({ kafka: kafkaConfig, partitions: 3, dataDir: null, logLevel: 'info' });
    expect(kafka.kind).toBe('kafka');
    await kafka.close();
  });
});
