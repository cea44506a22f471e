import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/log/index.js';

describe('createEventLog', () => {
  it('picks the embedded log without brokers and Kafka with them', async () => {
    const embedded = createEventLog({ kafka: null, partitions: 3, dataDir: null, logLevel: 'info' });
    expect(embedded.kind).toBe('embedded');
    await embedded.produce([{ topic: 't', key: 'k', value: null }]);
    expect(await embedded.partitionsFor('t')).toBe(3);
    await embedded.close();

    const kafka = createEventLog({ kafka: { brokers: ['127.0.0.1:1'], clientId: 'x' }, partitions: 3, dataDir: null, logLevel: 'info' });
    expect(kafka.kind).toBe('kafka');
    await kafka.close();
  });
});
