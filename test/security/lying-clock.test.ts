import { describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { startTestApp, tempDir, waitFor } from '../helpers/app.js';
import { mockKafkaForFile } from '../helpers/mock-kafka.js';
import { createTopics, type TopicSet, topicEnv, topicSet, Website } from '../kafka/website.js';

/** A producer that lies about time: event time and record CreateTime in 2100. */
const YEAR_2100 = Date.UTC(2100, 0, 1);

interface Digest {
  users: number;
  items: number;
  eventsApplied: number;
  stateHash: string;
}

const mock = mockKafkaForFile();
const cleanups = mock.cleanups;

/** The digest once the item owner has applied every item increment (see `settled`). */
async function digest(app: RunningApp): Promise<Digest> {
  return waitFor(
    async () => (await (await fetch(`${app.url}/v1/admin/digest`)).json()) as Digest & { settled: boolean },
    (d) => d.settled,
    30_000,
    50,
  );
}

describe('a Kafka producer that lies about time', () => {
  it('events and record times in 2100 go to the DLQ as timestamp; valid events around them apply, no user expires, and a replay (even one in 2100) gives the same digest', async () => {
    const t: TopicSet = topicSet('clock');
    await createTopics(mock.cluster, t);
    const env = {
      KAFKA_BROKERS: mock.cluster.bootstrap,
      GROUP_ID: 'clock-engine',
      DATA_DIR: tempDir(),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_REBALANCE_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      ...topicEnv(t),
    };
    const start = async (clock?: () => number): Promise<RunningApp> => {
      const app = await startTestApp(env, { clock });
      cleanups.push(() => app.stop());
      // Ready with all 8 input partitions: assigned, and their replay is over.
      await waitFor(
        () => app.engine.readiness(),
        (r) => r.ready && r.partitions?.length === 8,
        60_000,
        100,
      );
      return app;
    };

    const first = await start();
    const site = new Website(mock.cluster.brokers, first.registryUrl, t);
    await site.connect();
    cleanups.push(() => site.close());
    const dead: Array<{ key: string; reason: string }> = [];
    const reader = await site.follow(t.dlq, 'clock-dlq-checker', (key, _v, headers) => {
      dead.push({ key, reason: headers.reason });
    });
    cleanups.push(() => reader.disconnect());

    const now = Date.now();
    const view = (userId: string, i: number, timestamp = now - 60_000 + i) => ({
      eventId: `${userId}-${i}`,
      userId,
      timestamp,
      type: 'view',
      itemId: `sku-${i % 5}`,
    });
    const shoppers = Array.from({ length: 8 }, (_, i) => `shopper-${i}`);
    await site.clicks(shoppers.flatMap((u) => [view(u, 1), view(u, 2)]));
    const warm = await waitFor(
      () => digest(first),
      (d) => d.eventsApplied >= 16,
      30_000,
      100,
    );
    expect(warm.users).toBe(8);

    // Liars interleaved with honest events in one send: CreateTime 2100 on the liars only.
    const liars = Array.from({ length: 4 }, (_, i) => view(`liar-${i}`, 1, YEAR_2100 + i));
    const honest = [...shoppers.map((u) => view(u, 3)), view('newcomer', 1)];
    const mixed = honest.flatMap((e, i) => (i < liars.length ? [e, liars[i]] : [e]));
    await site.clicks(mixed, (e) => (String(e.userId).startsWith('liar-') ? YEAR_2100 : undefined));

    await waitFor(
      () => dead.length,
      (n) => n >= liars.length,
      30_000,
      100,
    );
    expect(dead.map((d) => d.key).sort()).toEqual(liars.map((l) => l.userId).sort());
    expect(dead.every((d) => d.reason === 'timestamp')).toBe(true);
    const attacked = await waitFor(
      () => digest(first),
      (d) => d.eventsApplied >= 16 + honest.length,
      30_000,
      100,
    );
    expect(attacked.eventsApplied).toBe(16 + honest.length);
    expect(attacked.users).toBe(9);

    // Idle expiry runs on the gauge refresh: nobody is idle for 90 days at the engine's clock.
    await first.engine.refresh();
    expect(await digest(first)).toEqual(attacked);

    await first.stop();
    const second = await start();
    expect(await digest(second)).toEqual(attacked);
    await second.engine.refresh();
    expect(await digest(second)).toEqual(attacked);

    // Replayed when the wall clock has reached the liars' record time: the refusals still stand.
    await second.stop();
    const later = await start(() => YEAR_2100 + 60_000);
    expect(await digest(later)).toEqual(attacked);
  }, 240_000);
});
