import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import type { Recommendation } from '../../src/events/types.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { readTopic } from '../helpers/topics.js';
import { TestClient } from '../serve/ws-client.js';

describe('lists made before the item table had rows to fill them', () => {
  let app: RunningApp;
  beforeAll(async () => {
    // one partition: the first batch holds the first user's events
    app = await startTestApp({ PARTITIONS: '1' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('are made again once it has, written to the topic, pushed to subscribers and answered', async () => {
    const run = randomUUID();
    const users = [0, 1, 2, 3].map((u) => `refill-${u}-${run}`);
    const client = await TestClient.connect(`${app.url.replace(/^http/, 'ws')}/v1/stream`);
    client.send({ op: 'subscribe', userId: users[0] });
    await client.next((f) => f.op === 'recommendations');

    // user u clicks items u and u + 1: each has seen two items and the others' items are there to show
    const now = Date.now();
    const events = users.flatMap((userId, u) =>
      [u, u + 1].map((k) => ({
        eventId: `${userId}-${k}`,
        userId,
        itemId: `refill-item-${k}-${run}`,
        type: 'click',
        timestamp: now + u * 10 + k,
      })),
    );
    expect((await postEvents(app, events)).body.accepted).toBe(events.length);

    const registry = new SchemaRegistry({ host: app.registryUrl });
    const listsOf = async (): Promise<Recommendation[]> => {
      const records = (await readTopic(app.log, 'recommendations')).filter((r) => users.includes(r.key?.toString() ?? ''));
      return Promise.all(records.map(async (r) => (await registry.decode(r.value!)) as Recommendation));
    };
    // The first batch's lists are made before its item deltas are even sent: nothing to fill them
    // from (a later batch's may have rows by then, on a slow machine).
    const triggered = await waitFor(listsOf, (lists) => users.every((u) => lists.some((l) => l.userId === u && l.triggerEventId !== null)));
    const emptied = users.filter((u) => triggered.some((l) => l.userId === u && l.triggerEventId !== null && l.items.length === 0));
    expect(emptied).toContain(users[0]);

    const lists = await waitFor(listsOf, (all) =>
      emptied.every((u) => all.some((l) => l.userId === u && l.triggerEventId === null && l.items.length > 0)),
    );
    for (const userId of emptied) {
      const made = lists.filter((l) => l.userId === userId);
      const again = made.find((l) => l.triggerEventId === null)!;
      expect(again.generatedAt).toBeGreaterThanOrEqual(made.find((l) => l.triggerEventId !== null)!.generatedAt);
      // never an item the user has seen (EXCLUDE_SEEN)
      const seen = events.filter((e) => e.userId === userId).map((e) => e.itemId);
      expect(again.items.filter((i) => seen.includes(i.itemId))).toEqual([]);
      expect(app.engine.recommendationsFor(userId).recommendationId).toBe(again.recommendationId);
    }
    const remade = (await app.engine.metrics.listsRemadeTotal.get()).values[0]?.value ?? 0;
    expect(remade).toBeGreaterThanOrEqual(emptied.length);
    const pushed = await client.next((f) => f.op === 'recommendations' && f.triggerEventId === null && (f.items as unknown[]).length > 0);
    expect(pushed.recommendationId).toBe(lists.find((l) => l.userId === users[0] && l.triggerEventId === null)!.recommendationId);
    client.socket.close();
  });
});
