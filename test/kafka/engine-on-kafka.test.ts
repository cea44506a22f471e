import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { partitionForKey } from '../../src/log/partitioner.js';
import { waitFor } from '../helpers/app.js';
import { type EngineProcess, spawnEngine, stopCleanly, waitReady, withLogs } from '../helpers/engine-process.js';
import { INVALID_REQUEST, mockKafkaForFile, SYNC_GROUP } from '../helpers/mock-kafka.js';
import { createTopics, type TopicSet, topicEnv, topicSet, Website } from './website.js';

const DAY = 86_400_000;

const mock = mockKafkaForFile();
const cleanups = mock.cleanups;

async function engine(t: TopicSet, group: string, env: Record<string, string> = {}): Promise<EngineProcess> {
  // Short group timeouts: the mock broker holds a rebalance for about the session timeout.
  const p = await spawnEngine({
    KAFKA_BROKERS: mock.cluster.bootstrap,
    GROUP_ID: group,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    KAFKA_REBALANCE_TIMEOUT_MS: '6000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '500',
    ...topicEnv(t),
    ...env,
  });
  cleanups.push(() => p.stop('SIGKILL'));
  return p;
}

/** Fresh topics, one ready engine in its own group, and a website producer using its registry. */
async function setUp(prefix: string): Promise<{ t: TopicSet; a: EngineProcess; site: Website }> {
  const t = topicSet(prefix);
  await createTopics(mock.cluster, t);
  const a = await engine(t, `${prefix}-engine`);
  await waitReady(a.url);
  const site = new Website(mock.cluster.brokers, `${a.url}/registry`, t);
  await site.connect();
  cleanups.push(() => site.close());
  return { t, a, site };
}

async function readyz(url: string): Promise<{ status: string; partitions: string[] }> {
  return (await fetch(`${url}/readyz`)).json() as never;
}

async function digest(url: string): Promise<{ users: number; items: number; eventsApplied: number; stateHash: string }> {
  return (await fetch(`${url}/v1/admin/digest`)).json() as never;
}

const click = (i: number, userId: string, now: number) => ({
  eventId: `c-${userId}-${i}`,
  userId,
  timestamp: now - 60_000 + i,
  type: i % 3 === 0 ? 'add_to_cart' : 'view',
  itemId: `sku-${(i * 7 + userId.length) % 97}`,
});

describe('recstream on Kafka (librdkafka mock cluster, kafkajs, Avro over the registry)', () => {
  it('an outside website producer sends Avro clicks and purchases for 500 users; every user gets recommendations that decode with the registry', async () => {
    const { t, a, site } = await setUp('site');

    const users = Array.from({ length: 500 }, (_, i) => `shopper-${i}`);
    const now = Date.now();
    const recommended = new Map<string, unknown>();
    const reader = await site.follow(t.recommendations, 'site-checker', async (key, value) => {
      if (value) recommended.set(key, await site.registry.decode(value));
    });
    cleanups.push(() => reader.disconnect());

    await site.clicks(users.flatMap((u) => [click(1, u, now), click(2, u, now)]));
    await site.purchases(
      users
        .filter((_, i) => i % 2 === 0)
        .map((u, i) => ({
          eventId: `p-${u}`,
          userId: u,
          timestamp: now - 1000,
          orderId: `o-${i}`,
          currency: 'EUR',
          items: [{ itemId: `sku-${i % 97}`, quantity: 1 + (i % 3), price: 9.5 }],
        })),
    );

    await waitFor(
      () => recommended.size,
      (n) => n >= users.length,
      60_000,
      100,
    );
    expect(new Set(recommended.keys())).toEqual(new Set(users));
    const sample = recommended.get('shopper-7') as {
      userId: string;
      recommendationId: string;
      modelVersion: string;
      items: Array<{ itemId: string; score: number; reasons: string[] }>;
    };
    expect(sample.userId).toBe('shopper-7');
    expect(sample.recommendationId.length).toBeGreaterThan(0);
    const d = await waitFor(
      () => digest(a.url),
      (x) => x.eventsApplied >= 1250,
      30_000,
      100,
    );
    expect(d.eventsApplied).toBe(1250);
    // Lists are built from the global table, which fills as the item owners publish rows: once a row
    // is there, the shopper's next event gets a list with items, each with its reasons.
    await waitFor(
      async () => ((await (await fetch(`${a.url}/v1/items/sku-16/similar`)).json()) as { neighbors: unknown[] }).neighbors.length,
      (n) => n > 0,
      30_000,
      100,
    );
    await site.clicks([click(3, 'shopper-7', now)]);
    const fresh = (await waitFor(
      () => recommended.get('shopper-7') as typeof sample,
      (r) => r.recommendationId !== sample.recommendationId,
      30_000,
      100,
    )) as typeof sample;
    expect(fresh.items.length).toBeGreaterThan(0);
    expect(fresh.items.every((i) => i.reasons.length > 0)).toBe(true);
  }, 120_000);

  it('garbage bytes, an unknown schema id and invalid events land in the DLQ with reasons; the valid events around them are applied', async () => {
    const { t, a, site } = await setUp('dlq');
    const dead: Array<{ key: string; reason: string; offset: string }> = [];
    const reader = await site.follow(t.dlq, 'dlq-checker', (key, _v, headers) => {
      dead.push({ key, reason: headers.reason, offset: headers['source-offset'] });
    });
    cleanups.push(() => reader.disconnect());

    const now = Date.now();
    await site.clicks([click(1, 'good-1', now), click(1, 'good-2', now)]);
    await site.raw(t.clicks, [
      { key: 'bad-1', value: Buffer.from('{"this is":"json, not avro"}') },
      { key: 'bad-2', value: Buffer.from([0, 0, 0, 0x30, 0x39, 2, 4, 6]) },
    ]);
    await site.clicks([
      { ...click(1, 'bad-3', now), timestamp: now + 5 * DAY },
      { ...click(1, 'bad-4', now), itemId: '' },
      click(2, 'good-1', now),
      click(2, 'good-2', now),
      click(1, 'good-3', now),
    ]);

    await waitFor(
      () => dead.length,
      (n) => n >= 4,
      30_000,
      100,
    );
    const reasons = Object.fromEntries(dead.map((d) => [d.key, d.reason]));
    expect(reasons).toEqual({ 'bad-1': 'undecodable', 'bad-2': 'unknown-schema', 'bad-3': 'timestamp', 'bad-4': 'invalid' });
    await waitFor(
      () => digest(a.url),
      (d) => d.eventsApplied >= 5,
      30_000,
      100,
    );
    expect((await digest(a.url)).eventsApplied).toBe(5);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/recstream_dlq_total\{reason="unknown-schema"\} 1/);
  }, 120_000);

  it("two processes split the partitions and serve every user (a storefront on either gets any user's lists); when one leaves, the other takes over without losing events", async () => {
    const t = topicSet('pair');
    await createTopics(mock.cluster, t);
    const a = await engine(t, 'pair-engine');
    await waitReady(a.url);
    // One registry for the group: the second process uses the first one's embedded registry.
    const b = await engine(t, 'pair-engine', { SCHEMA_REGISTRY_URL: `${a.url}/registry` });
    const site = new Website(mock.cluster.brokers, `${a.url}/registry`, t);
    await site.connect();
    cleanups.push(() => site.close());

    const split = await withLogs(
      [b],
      waitFor(
        async () => [(await readyz(a.url)).partitions, (await readyz(b.url)).partitions],
        // the two reads are not one instant: mid-rebalance both can report a partition, so wait
        // until the reports are disjoint as well as complete
        ([pa, pb]) => pa.length > 0 && pb.length > 0 && pa.length + pb.length === 8 && new Set([...pa, ...pb]).size === 8,
        90_000,
        200,
      ),
    );
    expect(new Set([...split[0], ...split[1]]).size).toBe(8);

    const users = Array.from({ length: 200 }, (_, i) => `pair-user-${i}`);
    const now = Date.now();
    const lists = new Map<string, number>();
    const reader = await site.follow(t.recommendations, 'pair-checker', (key) => {
      lists.set(key, (lists.get(key) ?? 0) + 1);
    });
    cleanups.push(() => reader.disconnect());
    // A storefront connected to b follows a user whose partition a owns.
    const ownedByA = users.find((u) => split[0].includes(`${t.clicks}/${partitionForKey(u, 4)}`))!;
    const storefront = new WebSocket(`${b.url.replace('http', 'ws')}/v1/stream`);
    const frames: Array<{ op: string; userId?: string; triggerEventId?: string }> = [];
    storefront.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((r) => storefront.once('open', r));
    cleanups.push(async () => storefront.close());
    storefront.send(JSON.stringify({ op: 'subscribe', userId: ownedByA }));
    await waitFor(
      () => frames.length,
      (n) => n >= 1,
      10_000,
    );

    await site.clicks(users.map((u) => click(1, u, now)));
    await waitFor(
      () => lists.size,
      (n) => n >= users.length,
      60_000,
      100,
    );
    const pushed = await waitFor(
      () => frames.filter((f) => f.op === 'recommendations' && f.triggerEventId === `c-${ownedByA}-1`),
      (f) => f.length === 1,
      10_000,
    );
    expect(pushed[0].userId).toBe(ownedByA);

    await stopCleanly(b);
    await waitFor(
      async () => (await readyz(a.url)).partitions.length,
      (n) => n === 8,
      45_000,
      200,
    );
    lists.clear();
    await site.clicks(users.map((u) => click(2, u, now)));
    await waitFor(
      () => lists.size,
      (n) => n >= users.length,
      60_000,
      100,
    );
    // a holds every event: its own, b's (restored by replay up to b's commit) and the new ones.
    const d = await waitFor(
      () => digest(a.url),
      (x) => x.eventsApplied >= 400,
      30_000,
      200,
    );
    expect(d.eventsApplied).toBe(400);
    expect(d.users).toBe(200);
  }, 300_000);

  it('SIGTERM while its consumer groups are still joining (the broker refused their SyncGroups) exits 0 within the shutdown budget', async () => {
    const t = topicSet('joining');
    await createTopics(mock.cluster, t);
    // enough refusals that some groups are still joining again when the signal comes
    expect(await mock.cluster.command(`error ${SYNC_GROUP} ${INVALID_REQUEST} 8`)).toBe('ok');
    cleanups.push(() => mock.cluster.command(`clear ${SYNC_GROUP}`));
    const p = await engine(t, 'joining-engine');
    await waitFor(
      () => p.output(),
      (log) => log.includes('joining the consumer group failed; joining again'),
      30_000,
      50,
    );
    const stoppedAt = Date.now();
    await stopCleanly(p);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(p.output()).not.toMatch(/consumer failed to start/);
    expect(await mock.cluster.command(`clear ${SYNC_GROUP}`)).toBe('ok');
  }, 60_000);

  it('SIGTERM mid-stream commits and exits 0; a restart does not re-apply committed events', async () => {
    const { t, a: first, site } = await setUp('term');
    const triggers: string[] = [];
    const reader: Consumer = await site.follow(t.recommendations, 'term-checker', async (_k, value) => {
      const trigger = value && ((await site.registry.decode(value)) as { triggerEventId: string | null }).triggerEventId;
      // lists made again for users whose lists were empty have no trigger
      if (trigger) triggers.push(trigger);
    });
    cleanups.push(() => reader.disconnect());

    const now = Date.now();
    const all = Array.from({ length: 3000 }, (_, i) => click(i, `term-user-${i % 150}`, now));
    for (let i = 0; i < 1500; i += 100) {
      await site.clicks(all.slice(i, i + 100));
      await new Promise((r) => setTimeout(r, 20));
    }
    const stoppedAt = Date.now();
    await stopCleanly(first);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await site.clicks(all.slice(1500));

    const second = await engine(t, 'term-engine', { SCHEMA_REGISTRY_URL: '' });
    await waitReady(second.url);
    const d = await waitFor(
      () => digest(second.url),
      (x) => x.eventsApplied >= 3000,
      60_000,
      200,
    );
    expect(d.eventsApplied).toBe(3000);
    await new Promise((r) => setTimeout(r, 1000));
    // Every list was made once: no trigger event produced a second list after the restart.
    expect(new Set(triggers).size).toBe(triggers.length);
    expect(second.output()).toMatch(/user partition restored/);
  }, 180_000);
});
