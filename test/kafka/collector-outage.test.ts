import { describe, expect, it } from 'vitest';
import { KafkaLog } from '../../src/log/kafka.js';
import { postEvents, startTestApp } from '../helpers/app.js';
import { mockKafkaForFile } from '../helpers/mock-kafka.js';
import { createTopics, topicEnv, topicSet } from './website.js';

const mock = mockKafkaForFile();

describe('the collector while Kafka does not take records', () => {
  it('answers 503 with Retry-After and RS_LOG_WRITE_FAILED, not 500, and takes events again once Kafka does', async () => {
    const t = topicSet('outage');
    await createTopics(mock.cluster, t, 2);
    const log = new KafkaLog({
      brokers: mock.cluster.brokers,
      clientId: 'outage',
      retry: { initialRetryTime: 50, retries: 1 },
      consumer: { heartbeatInterval: 300, sessionTimeout: 2_500, rebalanceTimeout: 2_500, maxWaitTimeInMs: 200 },
    });
    const app = await startTestApp(
      { KAFKA_BROKERS: mock.cluster.bootstrap, GROUP_ID: 'outage-engine', ...topicEnv(t) },
      { log, waitForJoin: false },
    );
    try {
      const event = (id: string) => ({ eventId: id, userId: 'u-outage', itemId: 'i1', type: 'view', timestamp: Date.now() });
      // Produce (API key 0) answered with NOT_ENOUGH_REPLICAS (19) more often than the log retries.
      expect(await mock.cluster.command('error 0 19 4')).toBe('ok');
      const res = await fetch(`${app.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([event('o-1')]),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({ error: expect.stringContaining('retry in 5 s'), code: 'RS_LOG_WRITE_FAILED' });

      await mock.cluster.command('clear 0');
      expect(await postEvents(app, [event('o-2')])).toMatchObject({ status: 202, body: { accepted: 1 } });
    } finally {
      await mock.cluster.command('clear 0');
      await app.stop();
    }
  }, 60_000);
});
