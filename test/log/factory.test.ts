import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createEventLog } from '../../src/log/index.js';
import { tempDir } from '../helpers/app.js';

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

  it('names DATA_DIR and the fix when the file system refuses it as the log directory', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const make = () => createEventLog({ kafka: null, partitions: 1, dataDir: file, logLevel: 'info' });
    expect(make).toThrow(expect.objectContaining({ code: 'RS_CONFIG_INVALID' }));
    expect(make).toThrow(`DATA_DIR=${JSON.stringify(file)} cannot hold the embedded log (ENOTDIR`);
    expect(make).toThrow('set a directory this process can create and write');
  });
});
