import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { EVENT_SCHEMAS } from '../../src/events/schemas.js';
import { type DecodeResult, EventSerde } from '../../src/events/serde.js';
import type { ClickEvent, PurchaseEvent, Recommendation } from '../../src/events/types.js';
import { validateEvent } from '../../src/events/validate.js';
import { type RunningRegistry, startRegistry } from '../registry/start-registry.js';

const topics = { clicks: 'clickstream', purchases: 'purchases', recommendations: 'recommendations' };
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

const click: ClickEvent = {
  eventId: 'e-1',
  userId: 'u-1',
  timestamp: T0,
  type: 'add_to_cart',
  itemId: 'sku-9',
  recommendationId: 'rec-4',
  sessionId: null,
  price: 19.5,
};
const purchase: PurchaseEvent = {
  eventId: 'e-2',
  userId: 'u-1',
  timestamp: T0 + 1,
  orderId: 'o-1',
  currency: 'EUR',
  items: [
    { itemId: 'sku-9', quantity: 2, price: 19.5 },
    { itemId: 'sku-3', quantity: 1, price: 0 },
  ],
  sessionId: 's-1',
};
const recommendation: Recommendation = {
  userId: 'u-1',
  recommendationId: 'r-abc',
  generatedAt: T0 + 2,
  triggerEventId: 'e-2',
  modelVersion: 'm-1',
  items: [{ itemId: 'sku-4', score: 0.75, reasons: ['co-viewed:sku-9', 'trending'] }],
  userScores: { expectedOrderValue: 42.5 },
};

function failure(result: DecodeResult): { reason: string; error: string } {
  if (result.ok) throw new Error(`expected a failure, decoded ${JSON.stringify(result.value)}`);
  return result;
}

describe('EventSerde over the embedded registry', () => {
  let reg: RunningRegistry;
  let serde: EventSerde;
  beforeEach(async () => {
    reg = await startRegistry();
    serde = new EventSerde({ registry: reg.url });
  });
  afterEach(() => reg.close());

  it('registers every topic under <topic>-value and round-trips each record', async () => {
    const ids = await serde.registerAll(topics);
    const subjects = await (await fetch(`${reg.url}/subjects`)).json();
    expect(subjects).toEqual(['clickstream-value', 'purchases-value', 'recommendations-value']);
    expect(new Set(Object.values(ids)).size).toBe(3);

    for (const [topic, value] of [
      ['clickstream', click],
      ['purchases', purchase],
      ['recommendations', recommendation],
    ] as const) {
      const bytes = await serde.encode(topic, value);
      expect(bytes[0]).toBe(0);
      expect(bytes.readInt32BE(1)).toBe(ids[topic]);
      const decoded = serde.decode(topic, bytes);
      // A cached schema id decodes without I/O: a plain result, not a promise.
      expect(decoded).not.toBeInstanceOf(Promise);
      expect(decoded).toEqual({ ok: true, value: expect.objectContaining(value) });
    }
  });

  it('decodes a record a plain Confluent producer wrote, fetching the writer schema once', async () => {
    await serde.registerAll(topics);
    const producer = new SchemaRegistry({ host: reg.url });
    const id = await producer.getLatestSchemaId('purchases-value');
    const bytes = await producer.encode(id, purchase);

    const consumer = new EventSerde({ registry: reg.url });
    consumer.bind(topics);
    const first = consumer.decode('purchases', bytes);
    expect(first).toBeInstanceOf(Promise);
    const result = await first;
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ ...purchase, items: purchase.items.map((i) => expect.objectContaining(i)) }),
    });
    expect(consumer.decode('purchases', bytes)).not.toBeInstanceOf(Promise);
    if (!result.ok) throw new Error(result.error);
    const checked = validateEvent(result.value, { now: T0, kind: 'purchase', maxFutureMs: loadConfig({}).eventMaxFutureMs });
    expect(checked).toEqual({ ok: true, event: { kind: 'purchase', ...purchase } });
  });

  it("reads a producer's newer compatible ClickEvent (added optional field) into our schema", async () => {
    await serde.registerAll(topics);
    const raw = JSON.parse(EVENT_SCHEMAS.ClickEvent.text) as { fields: unknown[] };
    raw.fields.push({ name: 'referrer', type: ['null', 'string'], default: null });
    const producer = new SchemaRegistry({ host: reg.url });
    const { id } = await producer.register({ type: SchemaType.AVRO, schema: JSON.stringify(raw) }, { subject: 'clickstream-value' });
    const bytes = await producer.encode(id, { ...click, referrer: 'https://news.example.com' });

    const consumer = new EventSerde({ registry: reg.url });
    consumer.bind(topics);
    const result = await consumer.decode('clickstream', bytes);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toEqual(expect.objectContaining(click));
    expect(result.value).not.toHaveProperty('referrer');
  });

  it('classifies garbage, unknown ids, wrong subjects, corrupt bodies and oversize messages', async () => {
    const ids = await serde.registerAll(topics);
    expect(failure(await serde.decode('clickstream', Buffer.from('{"eventId":"e-1"}')))).toMatchObject({
      reason: 'undecodable',
      error: expect.stringContaining('magic byte'),
    });
    expect(failure(await serde.decode('clickstream', Buffer.from([0, 0, 1])))).toMatchObject({ reason: 'undecodable' });

    const unknown = Buffer.concat([Buffer.from([0, 0, 0, 0x27, 0x0f]), Buffer.from([2, 65])]);
    expect(failure(await serde.decode('clickstream', unknown))).toMatchObject({
      reason: 'unknown-schema',
      error: expect.stringContaining('9999'),
    });

    const purchaseBytes = await serde.encode('purchases', purchase);
    const wrong = failure(await serde.decode('clickstream', purchaseBytes));
    expect(wrong.reason).toBe('wrong-subject');
    expect(wrong.error).toContain('io.recstream.PurchaseEvent');
    expect(wrong.error).toContain('clickstream-value');

    const clickBytes = await serde.encode('clickstream', click);
    const truncated = clickBytes.subarray(0, clickBytes.length - 12);
    expect(failure(await serde.decode('clickstream', truncated))).toMatchObject({ reason: 'undecodable' });
    const trailing = Buffer.concat([clickBytes, Buffer.from([1, 2, 3])]);
    expect(failure(await serde.decode('clickstream', trailing))).toMatchObject({ reason: 'undecodable' });
    expect(clickBytes.readInt32BE(1)).toBe(ids.clickstream);

    const small = new EventSerde({ registry: reg.url, maxBytes: 16 });
    small.bind(topics);
    expect(failure(await small.decode('clickstream', clickBytes))).toMatchObject({ reason: 'oversize' });
  });

  it('refuses at once, as undecodable, a body claiming more items than it has bytes or holding a string that is not UTF-8', async () => {
    const ids = await serde.registerAll(topics);
    // A purchase of a few bytes claiming 10 million lines: avsc alone allocates them all (half a gigabyte).
    const noLines = await serde.encode('purchases', { ...purchase, items: [], sessionId: null });
    const manyLines = Buffer.concat([noLines.subarray(0, noLines.length - 2), Buffer.from([0x80, 0xda, 0xc4, 0x09])]);
    expect(failure(await serde.decode('purchases', manyLines))).toMatchObject({
      reason: 'undecodable',
      error: expect.stringContaining('claims 10000000 items'),
    });

    // A compatible evolution whose extra field (skipped, not ours) claims 2^26 entries: avsc alone skips them one by
    // one past the end (2^50 would spin for ever).
    const raw = JSON.parse(EVENT_SCHEMAS.ClickEvent.text) as { fields: unknown[] };
    raw.fields.push({ name: 'seen', type: { type: 'array', items: 'long' }, default: [] });
    raw.fields.push({ name: 'marks', type: { type: 'array', items: 'null' }, default: [] });
    const producer = new SchemaRegistry({ host: reg.url });
    const { id } = await producer.register({ type: SchemaType.AVRO, schema: JSON.stringify(raw) }, { subject: 'clickstream-value' });
    const evolved = await producer.encode(id, { ...click, seen: [1, 2, 3], marks: [null, null] });
    expect(await serde.decode('clickstream', evolved)).toEqual({ ok: true, value: expect.objectContaining(click) });
    const skipForever = Buffer.concat([evolved.subarray(0, evolved.length - 7), Buffer.from([0x80, 0x80, 0x80, 0x40, 0])]);
    expect(failure(await serde.decode('clickstream', skipForever))).toMatchObject({
      reason: 'undecodable',
      error: expect.stringContaining('claims'),
    });

    // "u-\xff" and "u-\xfe" are two producers' ids; read leniently, both would be the one user "u-\ufffd".
    const twoBytes = await serde.encode('clickstream', { ...click, userId: 'u-QQ' });
    for (const bad of [
      [0xff, 0x41],
      [0xc0, 0xaf],
      [0xed, 0xa0],
    ]) {
      const bytes = Buffer.from(twoBytes);
      Buffer.from(bad).copy(bytes, bytes.indexOf('QQ'));
      expect(failure(serde.decode('clickstream', bytes) as DecodeResult)).toMatchObject({
        reason: 'undecodable',
        error: expect.stringContaining('not well-formed UTF-8'),
      });
    }
    expect(twoBytes.readInt32BE(1)).toBe(ids.clickstream);
  });

  it('registers under a subject whose operator chose another compatibility level', async () => {
    const put = await fetch(`${reg.url}/config/clickstream-value`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ compatibility: 'FULL_TRANSITIVE' }),
    });
    expect(put.status).toBe(200);
    const ids = await serde.registerAll(topics);
    const latest = await (await fetch(`${reg.url}/subjects/clickstream-value/versions/latest`)).json();
    expect(latest).toMatchObject({ id: ids.clickstream, version: 1 });
    expect(await (await fetch(`${reg.url}/config/clickstream-value`)).json()).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
  });

  it('uses our schema where the subject holds it among other versions, and names the subject when it is absent and refused', async () => {
    const put = (path: string, body: unknown) =>
      fetch(`${reg.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const post = (path: string, body: unknown) =>
      fetch(`${reg.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const first = await serde.registerAll(topics);
    const unrelated = JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] });
    expect((await put('/config/clickstream-value', { compatibility: 'NONE' })).status).toBe(200);
    expect((await post('/subjects/clickstream-value/versions', { schema: unrelated })).status).toBe(200);
    expect((await put('/config/clickstream-value', { compatibility: 'FULL_TRANSITIVE' })).status).toBe(200);
    // Version 1 is ours: its id, no new version, whatever the latest and the level say.
    expect(await new EventSerde({ registry: reg.url }).registerAll(topics)).toEqual(first);
    expect(await (await fetch(`${reg.url}/subjects/clickstream-value/versions`)).json()).toEqual([1, 2]);

    expect((await put('/config/purchases-value', { compatibility: 'NONE' })).status).toBe(200);
    expect((await fetch(`${reg.url}/subjects/purchases-value`, { method: 'DELETE' })).status).toBe(200);
    expect((await post('/subjects/purchases-value/versions', { schema: unrelated })).status).toBe(200);
    expect((await put('/config/purchases-value', { compatibility: 'FULL_TRANSITIVE' })).status).toBe(200);
    await expect(new EventSerde({ registry: reg.url }).registerAll(topics)).rejects.toThrow(
      /subject purchases-value: .* refused to register it \(409/,
    );
    await expect(new EventSerde({ registry: reg.url }).registerAll(topics)).rejects.toMatchObject({
      code: 'RS_SCHEMA_UNUSABLE',
      retriable: false,
    });
  });

  it('refuses to encode a value that does not fit the schema, naming the field (at once: the schema id is known)', async () => {
    await serde.registerAll(topics);
    expect(() => serde.encode('clickstream', { ...click, type: 'share' })).toThrow(/type/);
    expect(() => serde.encode('purchases', { ...purchase, items: [{ itemId: 'x', quantity: 1.5, price: 1 }] })).toThrow(
      /items\.0\.quantity/,
    );
    expect(() => serde.encode('clickstream', { ...click, type: 'share' })).toThrow(
      expect.objectContaining({ code: 'RS_SERDE_ENCODE_INVALID' }),
    );
    expect(() => serde.encode('not-a-topic-of-ours', click)).toThrow(expect.objectContaining({ code: 'RS_SERDE_UNKNOWN_TOPIC' }));
    expect(serde.encode('clickstream', click)).toBeInstanceOf(Buffer);
  });

  it('encodes after registering first when registerAll has not run, and rejects a misfit then', async () => {
    const fresh = new EventSerde({ registry: reg.url });
    fresh.bind(topics);
    const first = fresh.encode('clickstream', click);
    expect(first).toBeInstanceOf(Promise);
    expect(fresh.decode('clickstream', await first)).toMatchObject({ ok: true });
    const other = new EventSerde({ registry: reg.url });
    other.bind(topics);
    await expect(other.encode('clickstream', { ...click, type: 'share' })).rejects.toMatchObject({ code: 'RS_SERDE_ENCODE_INVALID' });
  });

  it('throws RS_SCHEMA_REGISTRY_UNAVAILABLE, retriable, instead of dead-lettering when the registry cannot be reached', async () => {
    const ids = await serde.registerAll(topics);
    const bytes = await serde.encode('clickstream', click);
    await reg.close();
    const orphan = new EventSerde({ registry: reg.url });
    orphan.bind(topics);
    const unavailable = {
      name: 'SchemaRegistryUnavailable',
      code: 'RS_SCHEMA_REGISTRY_UNAVAILABLE',
      retriable: true,
      message: expect.stringContaining(reg.url),
    };
    await expect(Promise.resolve(orphan.decode('clickstream', bytes))).rejects.toMatchObject(unavailable);
    await expect(new EventSerde({ registry: reg.url }).registerAll(topics)).rejects.toMatchObject(unavailable);
    expect(ids.clickstream).toBeGreaterThan(0);
  });
});
