import { readFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { startTestApp, waitFor } from '../helpers/app.js';
import { readTopic } from '../helpers/topics.js';

const DAY = 86_400_000;

describe('pipeline: a mixed stream with invalid records', () => {
  let app: RunningApp;
  let registry: SchemaRegistry;
  let clickSchemaId: number;

  beforeAll(async () => {
    app = await startTestApp();
    registry = new SchemaRegistry({ host: app.registryUrl });
    const schema = readFileSync(new URL('../../schemas/ClickEvent.avsc', import.meta.url), 'utf8');
    clickSchemaId = (await registry.register({ type: SchemaType.AVRO, schema }, { subject: 'clickstream-value' })).id;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('sends every invalid record to the DLQ with its reason and applies every valid one once', async () => {
    const now = Date.now();
    const click = (i: number, over: Record<string, unknown> = {}) => ({
      eventId: `e${i}`,
      userId: `u${i % 7}`,
      timestamp: now - 1000 + i,
      type: 'click',
      itemId: `item${i % 13}`,
      recommendationId: null,
      sessionId: null,
      price: null,
      ...over,
    });
    const valid = Array.from({ length: 60 }, (_, i) => click(i));
    const records: Array<{ key: string | null; value: Buffer; expect?: string }> = [];
    for (const v of valid) records.push({ key: v.userId, value: await registry.encode(clickSchemaId, v) });
    // Duplicates of already sent events: applied once only.
    for (const v of valid.slice(0, 10)) records.push({ key: v.userId, value: await registry.encode(clickSchemaId, v) });
    const bad: Array<{ key: string | null; value: Buffer; reason: string; error?: RegExp }> = [
      { key: 'u1', value: Buffer.from('not avro at all'), reason: 'undecodable' },
      { key: 'u2', value: Buffer.concat([Buffer.from([0, 0, 0, 0x7f, 0x11]), Buffer.from('xxxx')]), reason: 'unknown-schema' },
      { key: 'u3', value: await registry.encode(clickSchemaId, click(1000, { timestamp: Date.UTC(1990, 0, 1) })), reason: 'timestamp' },
      { key: 'u4', value: await registry.encode(clickSchemaId, click(1001, { timestamp: now + 3 * DAY })), reason: 'timestamp' },
      { key: 'u5', value: await registry.encode(clickSchemaId, click(1002, { userId: '' })), reason: 'invalid' },
      { key: 'u6', value: Buffer.alloc(app.engine.config.eventMaxBytes + 1, 1), reason: 'oversize' },
      // Input topics are keyed by userId: a user's events on another user's partition, or on none in particular, are refused.
      { key: 'u0', value: await registry.encode(clickSchemaId, click(1003)), reason: 'invalid', error: /key "u0", not its userId "u2"/ },
      { key: null, value: await registry.encode(clickSchemaId, click(1004)), reason: 'invalid', error: /no key, not its userId "u3"/ },
    ];
    // Interleave the bad records with the valid ones.
    const stream = [...records];
    bad.forEach((b, i) => {
      stream.splice(5 + i * 11, 0, b);
    });
    await app.log.produce(stream.map((r) => ({ topic: 'clickstream', key: r.key, value: r.value })));

    const dlq = await waitFor(
      () => readTopic(app.log, 'recstream.dlq'),
      (r) => r.length >= bad.length,
    );
    expect(dlq).toHaveLength(bad.length);
    const byValue = new Map(dlq.map((r) => [r.value?.toString('base64'), r]));
    for (const b of bad) {
      const dead = byValue.get(b.value.toString('base64'));
      expect(dead, `dead letter for ${b.reason}`).toBeDefined();
      expect(dead!.headers.reason).toBe(b.reason);
      expect(dead!.headers['source-topic']).toBe('clickstream');
      expect(dead!.headers.error.length).toBeGreaterThan(0);
      expect(dead!.key?.toString() ?? null).toBe(b.key);
      if (b.error) expect(dead!.headers.error).toMatch(b.error);
    }
    const digest = await waitFor(
      () => app.engine.digest(),
      (d) => d.eventsApplied >= valid.length,
    );
    expect(digest.eventsApplied).toBe(valid.length);
    // Every valid user got a list on the recommendations topic.
    const lists = await waitFor(
      () => readTopic(app.log, 'recommendations'),
      (r) => new Set(r.map((x) => x.key?.toString())).size >= 7,
    );
    expect(new Set(lists.map((x) => x.key?.toString()))).toEqual(new Set(valid.map((v) => v.userId)));
    const metrics = await app.engine.metrics.registry.getSingleMetricAsString('recstream_dlq_total');
    expect(metrics).toMatch(/reason="undecodable"} 1/);
  });
});
