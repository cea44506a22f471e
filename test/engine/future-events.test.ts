import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';
import { clickEncoder } from '../helpers/click-encoder.js';
import { readTopic } from '../helpers/topics.js';

const DAY = 86_400_000;

const apps: RunningApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});

async function start(env: Record<string, string>, options: Parameters<typeof startTestApp>[1] = {}): Promise<RunningApp> {
  const app = await startTestApp(env, options);
  apps.push(app);
  // Ready with all 8 input partitions: assigned, and their replay is over.
  await waitFor(
    () => app.engine.readiness(),
    (r) => r.ready && r.partitions?.length === 8,
  );
  return app;
}

describe('event times ahead of the wall clock (embedded log)', () => {
  it('a record stamped ahead of the wall clock and refused live is still refused by a replay once the wall clock has caught up', async () => {
    const dir = tempDir();
    const now = Date.now();
    // The log stamps records with a clock a producer may set: here 3 days ahead, for some records.
    let recordAhead = 0;
    const log = (): MemoryLog => new MemoryLog({ partitions: 4, dataDir: dir, now: () => Date.now() + recordAhead });

    const first = await start({ DATA_DIR: dir }, { log: log() });
    const encode = await clickEncoder(first);
    const click = async (userId: string, i: number, timestamp: number) => ({
      topic: 'clickstream',
      key: userId,
      value: await encode({ eventId: `${userId}-${i}`, userId, timestamp, itemId: `sku-${i % 4}` }),
    });
    await first.log.produce(await Promise.all(Array.from({ length: 10 }, (_, i) => click(`shopper-${i % 5}`, i, now - 60_000 + i))));
    recordAhead = 3 * DAY;
    await first.log.produce([
      await click('liar', 1, now + 3 * DAY),
      // Only the record time is ahead: judged by the wall clock, accepted now and on any replay.
      await click('early-bird', 1, now - 30_000),
    ]);
    recordAhead = 0;

    const dead = await waitFor(
      () => readTopic(first.log, 'recstream.dlq'),
      (r) => r.length >= 1,
    );
    expect(dead.map((r) => [r.key?.toString(), r.headers.reason])).toEqual([['liar', 'timestamp']]);
    expect(dead[0].headers.error).toMatch(/more than 1 hour in the future/);
    // settled too: the item side applies the batch's deltas after the user side learnt it
    const live = await waitFor(
      async () => ((await first.engine.settled()) ? first.engine.digest() : null),
      (d) => d !== null && d.eventsApplied >= 11,
    ).then((d) => d!);
    expect(live.eventsApplied).toBe(11);
    expect(live.users).toBe(6);
    await first.stop();

    // Three days later the wall clock has reached the liar's record time: judged afresh, the event
    // would pass; the refusal made when it was first processed stands.
    const later = await start({ DATA_DIR: dir }, { log: log(), clock: () => Date.now() + 3 * DAY });
    expect(later.engine.digest()).toEqual(live);
  });

  it('a flood of records stamped ahead costs one changelog marker per input batch, not per record', async () => {
    let recordAhead = 0;
    const app = await start({}, { log: new MemoryLog({ partitions: 4, now: () => Date.now() + recordAhead }) });
    const encode = await clickEncoder(app);
    const now = Date.now();
    recordAhead = 3 * DAY;
    const records = [];
    for (let i = 0; i < 2000; i++) {
      const liar = i % 2 === 0;
      const userId = `${liar ? 'liar' : 'shopper'}-${(i >> 1) % 50}`;
      records.push({
        topic: 'clickstream',
        key: userId,
        value: await encode({ eventId: `e-${i}`, userId, itemId: `sku-${i % 9}`, timestamp: liar ? now + 3 * DAY : now - 60_000 }),
      });
    }
    await app.log.produce(records);

    const dead = await waitFor(
      () => readTopic(app.log, 'recstream.dlq'),
      (r) => r.length >= 1000,
    );
    expect(dead).toHaveLength(1000);
    expect(new Set(dead.map((r) => r.headers.reason))).toEqual(new Set(['timestamp']));
    expect(
      (
        await waitFor(
          () => app.engine.digest(),
          (d) => d.eventsApplied >= 1000,
        )
      ).users,
    ).toBe(50);
    const markers = (await readTopic(app.log, 'recstream.changelog')).filter((r) => r.key?.toString().startsWith('refused:'));
    // 2000 records on 4 partitions arrive in batches of up to 500: a handful of markers.
    expect(markers.length).toBeGreaterThan(0);
    expect(markers.length).toBeLessThanOrEqual(8);
  });

  it('the collector and the input topics apply one rule: EVENT_MAX_FUTURE_SECONDS ahead of the clock', async () => {
    const app = await start({ EVENT_MAX_FUTURE_SECONDS: '60' });
    const now = Date.now();
    const posted = await postEvents(app, [
      { eventId: 'p-1', userId: 'u-1', type: 'view', itemId: 'sku-1', timestamp: now + 30_000 },
      { eventId: 'p-2', userId: 'u-2', type: 'view', itemId: 'sku-1', timestamp: now + 120_000 },
    ]);
    expect(posted.body.accepted).toBe(1);
    expect(posted.body.rejected).toEqual([{ index: 1, error: expect.stringMatching(/more than 1 minute in the future/) }]);

    const encode = await clickEncoder(app);
    await app.log.produce([
      {
        topic: 'clickstream',
        key: 'u-3',
        value: await encode({ eventId: 'k-1', userId: 'u-3', itemId: 'sku-2', timestamp: now + 30_000 }),
      },
      {
        topic: 'clickstream',
        key: 'u-4',
        value: await encode({ eventId: 'k-2', userId: 'u-4', itemId: 'sku-2', timestamp: now + 120_000 }),
      },
    ]);
    const dead = await waitFor(
      () => readTopic(app.log, 'recstream.dlq'),
      (r) => r.length >= 1,
    );
    expect(dead.map((r) => [r.key?.toString(), r.headers.reason])).toEqual([['u-4', 'timestamp']]);
    const digest = await waitFor(
      () => app.engine.digest(),
      (d) => d.eventsApplied >= 2,
    );
    expect(digest.eventsApplied).toBe(2);
  });
});
