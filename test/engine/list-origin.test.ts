import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { GENERATED_AT_HEADER, ORIGIN_HEADER } from '../../src/engine/pipeline.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { startPeer, userOf } from '../helpers/peer-engine.js';
import { readTopic } from '../helpers/topics.js';
import { TestClient } from '../serve/ws-client.js';

describe('lists on the recommendations topic name the engine that made them', () => {
  let app: RunningApp;
  let other: RunningApp;
  /** In app's group, on its log: an engine alone in its group reads no lists back (every one is its own). */
  let peer: RunningApp;
  beforeAll(async () => {
    [app, other] = await Promise.all([startTestApp(), startTestApp()]);
    peer = await startPeer(app);
  });
  afterAll(async () => {
    await peer?.stop();
    await Promise.all([app?.stop(), other?.stop()]);
  });

  it('each engine stamps its own origin; a follower skips its own lists and delivers another engine’s', async () => {
    // app learns their events and makes their lists
    const userId = userOf(app, 'origin');
    const client = await TestClient.connect(`${app.url.replace(/^http/, 'ws')}/v1/stream`);
    client.send({ op: 'subscribe', userId });
    await client.next((f) => f.op === 'recommendations');

    const click = { eventId: randomUUID(), userId, itemId: 'i1', type: 'click', timestamp: Date.now() };
    expect((await postEvents(app, [click])).body.accepted).toBe(1);
    expect((await postEvents(other, [{ ...click, eventId: randomUUID() }])).body.accepted).toBe(1);
    await client.next((f) => f.triggerEventId === click.eventId);
    const mine = await waitFor(
      () => readTopic(app.log, 'recommendations'),
      (r) => r.some((x) => x.key?.toString() === userId),
    );
    const theirs = await waitFor(
      () => readTopic(other.log, 'recommendations'),
      (r) => r.some((x) => x.key?.toString() === userId),
    );
    const own = mine.find((x) => x.key?.toString() === userId)!;
    const origin = own.headers[ORIGIN_HEADER];
    expect(origin).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(mine.map((x) => x.headers[ORIGIN_HEADER]))).toEqual(new Set([origin]));
    expect(theirs.find((x) => x.key?.toString() === userId)!.headers[ORIGIN_HEADER]).not.toBe(origin);

    // Two newer lists for the user, the first under this engine's name, the second under another's:
    // only the second reaches the client (one partition, so the follower reads them in this order).
    const registry = new SchemaRegistry({ host: app.registryUrl });
    const rec = (await registry.decode(own.value!)) as Record<string, unknown> & { generatedAt: number };
    const list = async (triggerEventId: string, later: number) =>
      registry.encode(await registry.getLatestSchemaId('recommendations-value'), {
        ...rec,
        recommendationId: randomUUID(),
        triggerEventId,
        generatedAt: rec.generatedAt + later,
      });
    await app.log.produce([
      { topic: own.topic, key: userId, value: await list('as-if-mine', 1_000), headers: { [ORIGIN_HEADER]: origin! } },
    ]);
    await app.log.produce([
      { topic: own.topic, key: userId, value: await list('from-elsewhere', 2_000), headers: { [ORIGIN_HEADER]: randomUUID() } },
    ]);
    await client.next((f) => f.triggerEventId === 'from-elsewhere');
    expect(client.frames.map((f) => f.triggerEventId)).not.toContain('as-if-mine');
    client.socket.close();
  });

  it('holds another engine’s list for a user no client here subscribes to, newest first, and answers it when asked', async () => {
    // a list of this engine's to copy the form of (the schema is registered by then)
    const seed = `origin-seed-${randomUUID()}`;
    const click = { eventId: randomUUID(), userId: seed, itemId: 'i1', type: 'click', timestamp: Date.now() };
    expect((await postEvents(app, [click])).body.accepted).toBe(1);
    const mine = await waitFor(
      () => readTopic(app.log, 'recommendations'),
      (r) => r.some((x) => x.key?.toString() === seed),
    );
    const own = mine.find((x) => x.key?.toString() === seed)!;
    const registry = new SchemaRegistry({ host: app.registryUrl });
    const rec = (await registry.decode(own.value!)) as Record<string, unknown> & { generatedAt: number };
    const schemaId = await registry.getLatestSchemaId('recommendations-value');
    const elsewhere = randomUUID();
    // lists with items, like most lists (an empty one is the next test's)
    const items = ['held-a', 'held-b', 'held-c'].map((itemId, k) => ({ itemId, score: 1 / (k + 1), reasons: ['trending'] }));
    const send = async (userId: string, recommendationId: string, generatedAt: number, stamped: boolean) => {
      const value = await registry.encode(schemaId, { ...rec, items, userId, recommendationId, generatedAt });
      const headers: Record<string, string> = { [ORIGIN_HEADER]: elsewhere };
      if (stamped) headers[GENERATED_AT_HEADER] = String(generatedAt);
      // one partition, so the follower reads them in the order sent
      await app.log.produce([{ topic: own.topic, partition: 0, key: userId, value, headers }]);
    };
    const latestId = (userId: string) => app.engine.recommendationsFor(userId).recommendationId;

    const userId = `origin-held-${randomUUID()}`;
    await send(userId, 'held-1', rec.generatedAt + 1_000, true);
    await waitFor(
      () => latestId(userId),
      (id) => id === 'held-1',
    );
    // an older list that comes later does not replace it (read past it up to a list of another user);
    // a newer one does
    await send(userId, 'held-older', rec.generatedAt + 500, true);
    const marker = `origin-marker-${randomUUID()}`;
    await send(marker, 'marker-1', rec.generatedAt, true);
    await waitFor(
      () => latestId(marker),
      (id) => id === 'marker-1',
    );
    expect(latestId(userId)).toBe('held-1');
    await send(userId, 'held-2', rec.generatedAt + 2_000, true);
    await waitFor(
      () => latestId(userId),
      (id) => id === 'held-2',
    );
    expect(app.engine.recommendationsFor(userId).items.map((i) => i.itemId)).toEqual(items.map((i) => i.itemId));
    // a list without the header (an engine before it) is read, as before
    const unstamped = `origin-unstamped-${randomUUID()}`;
    await send(unstamped, 'unstamped-1', rec.generatedAt + 1_000, false);
    await waitFor(
      () => latestId(unstamped),
      (id) => id === 'unstamped-1',
    );
    const lists = await readTopic(app.log, 'recommendations');
    const stamped = lists.find((x) => x.key?.toString() === seed)!.headers[GENERATED_AT_HEADER];
    expect(Number(stamped)).toBe(rec.generatedAt);
  });

  it('answers another engine’s empty list as it is: a list made here would not be the one its owner answers', async () => {
    const seed = `origin-empty-seed-${randomUUID()}`;
    const click = { eventId: randomUUID(), userId: seed, itemId: 'i1', type: 'click', timestamp: Date.now() };
    expect((await postEvents(app, [click])).body.accepted).toBe(1);
    // by then a list made here for a user it does not hold has items (the item table has rows)
    await waitFor(
      () => app.engine.recommendationsFor(`origin-probe-${randomUUID()}`).items.length,
      (n) => n > 0,
    );
    const own = (await readTopic(app.log, 'recommendations')).find((x) => x.key?.toString() === seed)!;
    const registry = new SchemaRegistry({ host: app.registryUrl });
    const rec = (await registry.decode(own.value!)) as Record<string, unknown> & { generatedAt: number };
    const userId = `origin-empty-${randomUUID()}`;
    const generatedAt = rec.generatedAt + 1_000;
    const value = await registry.encode(await registry.getLatestSchemaId('recommendations-value'), {
      ...rec,
      userId,
      items: [],
      recommendationId: 'held-empty',
      generatedAt,
    });
    const headers = { [ORIGIN_HEADER]: randomUUID(), [GENERATED_AT_HEADER]: String(generatedAt) };
    await app.log.produce([{ topic: own.topic, key: userId, value, headers }]);
    const answer = await waitFor(
      () => app.engine.recommendationsFor(userId),
      (r) => r.recommendationId === 'held-empty',
    );
    expect(answer.items).toEqual([]);
  });
});
