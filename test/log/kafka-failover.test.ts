import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '../../src/log/kafka.js';
import type { LogSink } from '../../src/log/log-logger.js';
import type { LogRecord } from '../../src/log/types.js';
import { type MockKafka, startMockKafka } from '../helpers/mock-kafka.js';

describe('KafkaLog when a broker goes away', () => {
  let mock: MockKafka;
  let log: KafkaLog;
  const errors: string[] = [];
  let onError: () => void = () => undefined;
  const sink: LogSink = {
    error: (_o, msg) => {
      errors.push(msg ?? '');
      onError();
    },
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  };

  beforeAll(async () => {
    mock = await startMockKafka({ brokers: 3, topics: [{ topic: 'failover', partitions: 3 }] });
    log = new KafkaLog({
      brokers: mock.brokers,
      clientId: 'failover',
      logger: sink,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 20 },
    });
    await log.connect();
  });

  afterAll(async () => {
    await log?.close();
    await mock?.stop();
  });

  it('keeps retrying a produce while the leader is down and completes it when the leader returns', async () => {
    const tp = { topic: 'failover', partition: 0 };
    expect(await mock.command('leader failover 0 2')).toBe('ok');
    await log.produce([{ ...tp, key: null, value: Buffer.from('before'), partition: 0 }]);

    expect(await mock.command('down 2')).toBe('ok');
    const failedOnce = new Promise<void>((resolve) => {
      onError = resolve;
    });
    let settled = false;
    const pending = log.produce([{ ...tp, key: null, value: Buffer.from('during'), partition: 0 }]).finally(() => {
      settled = true;
    });
    await failedOnce;
    expect(settled).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(await mock.command('up 2')).toBe('ok');
    await pending;

    const got: LogRecord[] = [];
    const { high } = await log.offsets(tp);
    await log.readRange(tp, '0', high, (records) => {
      got.push(...records);
    });
    expect(got.map((r) => r.value!.toString())).toEqual(['before', 'during']);
  });
});
