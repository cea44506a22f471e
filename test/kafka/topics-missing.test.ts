import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { captureIo } from '../helpers/command-io.js';
import { mockKafkaForFile } from '../helpers/mock-kafka.js';
import { topicEnv, topicSet } from './website.js';

const mock = mockKafkaForFile();

describe('recstream start on a cluster that cannot create its topics', () => {
  it('stops with RS_LOG_TOPICS_MISSING, naming every missing topic with its partitions and cleanup policy', async () => {
    const t = topicSet('unmade');
    // the mock cluster names no controller, so it creates no topic: none of the ten exists
    const cap = captureIo({ KAFKA_BROKERS: mock.cluster.bootstrap, GROUP_ID: 'unmade', PORT: '0', LOG_LEVEL: 'silent', ...topicEnv(t) });
    const code = await main(['start'], cap.io);
    expect(code).toBe(1);
    const err = cap.err();
    expect(err).toContain('error code RS_LOG_TOPICS_MISSING');
    for (const topic of [t.clicks, t.purchases, t.recommendations, t.dlq, t.itemDeltas]) expect(err).toContain(`${topic}: `);
    expect(err).toContain(`${t.itemNeighbors}: 4 partitions, cleanup.policy=compact`);
    expect(err).toContain(`${t.modelParams}: 1 partition, cleanup.policy=compact`);
    expect(err).toContain(`${t.changelog}: 1 partition, cleanup.policy=compact`);
    expect(err).toContain(`${t.userState}: 4 partitions, cleanup.policy=compact`);
    expect(err).toContain(`${t.itemState}: 4 partitions, cleanup.policy=compact`);
  });
});
