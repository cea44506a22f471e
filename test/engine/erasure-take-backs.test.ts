import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ErasureTakeBacks } from '../../src/engine/erasure-take-backs.js';
import { type Erasure, erasureSource, erasureSourceEnded, TAKE_BACKS_REMEMBERED_MS } from '../../src/engine/erasures.js';
import { deltaRecords } from '../../src/engine/internal-records.js';
import { ItemOwner } from '../../src/engine/item-owner.js';
import { MemoryLog } from '../../src/log/memory.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { DISCARD_UPDATES, ItemDeltaBatch } from '../../src/model/item-delta.js';
import { ItemSide } from '../../src/model/item-side.js';
import { ModelState } from '../../src/model/state.js';
import { UserSide } from '../../src/model/user-side.js';
import { waitFor } from '../helpers/app.js';
import { randomStream, view } from '../model/helpers.js';

const config = loadConfig({ LOG_LEVEL: 'silent', NEIGHBOR_PUBLISH_MS: '60000', STATE_COMMIT_MS: '60000' });
const PARTITIONS = 2;
const ITEMS = 80;
const LANES = 4;

/** An item owner on its own log, and `sent`: records written, applied and their rows published, then the owner's state of `itemIds`. */
async function ownerOn(lanes: number, itemIds: string[]) {
  const log = new MemoryLog({ partitions: lanes });
  const items = new ItemSide(new ModelState(config.model));
  const metrics = new Metrics({ defaultMetrics: false });
  const owner = new ItemOwner(config, log, items, metrics, silentLogger());
  const { itemDeltas, itemState, itemNeighbors } = config.topics;
  await log.ensureTopics([itemDeltas, itemState, itemNeighbors].map((topic) => ({ topic, partitions: lanes })));
  await owner.start();
  const sent = async (records: ReturnType<typeof deltaRecords>): Promise<string> => {
    await log.produce(records);
    // no timer publishes during the test
    await waitFor(
      async () => {
        await owner.publish(true);
        return owner.settled();
      },
      (done) => done,
    );
    return JSON.stringify(itemIds.map((id) => items.record(id)));
  };
  const stop = async (): Promise<void> => {
    await owner.stop();
    await log.close();
  };
  return { metrics, sent, stop };
}

describe("an erasure's take-backs", () => {
  // The process holding the user may send them and crash before the user's record goes; the process
  // restoring the record sends them again, from its own copy of the history.
  it('are applied once per erasure, whichever process sends them and however often', async () => {
    const { metrics, sent, stop } = await ownerOn(
      PARTITIONS,
      Array.from({ length: ITEMS }, (_, i) => `i${i}`),
    );
    const { itemDeltas } = config.topics;
    try {
      const events = randomStream(400, 11, 20, ITEMS);
      // the process holding the users, and one that restored them (a replay sends nothing)
      const holder = new UserSide(new ModelState(config.model));
      const restorer = new UserSide(new ModelState(config.model));
      const view = new ItemSide(new ModelState(config.model));
      const batch = new ItemDeltaBatch(() => holder.landmark);
      for (const e of events) {
        holder.learnOne(e, batch, view);
        restorer.learnOne(e, DISCARD_UPDATES, view);
      }
      const learnt = await sent(
        deltaRecords(batch.take({ topic: 'clicks', partition: 0, from: 0, to: events.length }), itemDeltas, PARTITIONS),
      );

      const erasure: Erasure = { userId: 'u3', erasedAt: Date.now(), offsets: {} };
      const first = new ErasureTakeBacks(holder, 500);
      expect(first.forget(erasure, 0)).toBe(true);
      expect(first.forget({ ...erasure, userId: 'nobody' }, 0)).toBe(false);
      const firstRecords = first.records(itemDeltas, PARTITIONS, undefined).records;
      expect(firstRecords.length).toBeGreaterThan(0);
      const takenBack = await sent(firstRecords);
      expect(takenBack).not.toBe(learnt);

      // the same sending delivered again, and another sending of the same erasure: nothing changes
      expect(await sent(firstRecords)).toBe(takenBack);
      // (sendings are told apart by a number drawn at random: one drawn above the first's, and below)
      for (const attempt of [900, 100]) {
        const again = new UserSide(new ModelState(config.model));
        for (const e of events) again.learnOne(e, DISCARD_UPDATES, view);
        const second = new ErasureTakeBacks(again, attempt);
        expect(second.forget(erasure, 0)).toBe(true);
        expect(await sent(second.records(itemDeltas, PARTITIONS, undefined).records)).toBe(takenBack);
      }
      const duplicates = (await metrics.registry.getSingleMetric('recstream_item_deltas_total')?.get())?.values.find(
        (v) => v.labels.outcome === 'duplicate',
      );
      expect(duplicates?.value).toBeGreaterThan(0);

      // another user's erasure, sent by the restorer, is applied
      const other = new ErasureTakeBacks(restorer);
      expect(other.forget({ userId: 'u4', erasedAt: Date.now(), offsets: {} }, 0)).toBe(true);
      expect(await sent(other.records(itemDeltas, PARTITIONS, undefined).records)).not.toBe(takenBack);
    } finally {
      await stop();
    }
  });

  it('of another sending are ignored in every lane, also lanes the first one had nothing for', async () => {
    const itemIds = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'];
    const { sent, stop } = await ownerOn(LANES, itemIds);
    const { itemDeltas } = config.topics;
    try {
      const t = Date.UTC(2026, 0, 1);
      const step = (userId: string, itemId: string, k: number) => view(`${userId}-${k}`, userId, itemId, t + k * 60_000);
      // another shopper walked every item; the erased one's first event was applied, then they were
      // erased and their later events skipped (never applied): a restorer replays all of them
      const others = itemIds.map((id, k) => step('other', id, k));
      const first = step('erased', 'i0', 10);
      const skipped = itemIds.slice(1).map((id, k) => step('erased', id, 11 + k));
      const holder = new UserSide(new ModelState(config.model));
      const restorer = new UserSide(new ModelState(config.model));
      const scratch = new ItemSide(new ModelState(config.model));
      const batch = new ItemDeltaBatch(() => holder.landmark);
      for (const e of [...others, first]) holder.learnOne(e, batch, scratch);
      for (const e of [...others, first, ...skipped]) restorer.learnOne(e, DISCARD_UPDATES, scratch);
      await sent(deltaRecords(batch.take({ topic: 'clicks', partition: 0, from: 0, to: 7 }), itemDeltas, LANES));

      const erasure: Erasure = { userId: 'erased', erasedAt: Date.now(), offsets: {} };
      const once = new ErasureTakeBacks(holder, 500);
      expect(once.forget(erasure, 0)).toBe(true);
      const onceRecords = once.records(itemDeltas, LANES, undefined).records;
      const takenBack = await sent(onceRecords);
      const again = new ErasureTakeBacks(restorer, 900);
      expect(again.forget(erasure, 0)).toBe(true);
      const againRecords = again.records(itemDeltas, LANES, undefined).records;
      // every lane hears of each sending
      expect(new Set(onceRecords.map((r) => r.partition)).size).toBe(LANES);
      expect(await sent(againRecords)).toBe(takenBack);
    } finally {
      await stop();
    }
  });

  it('are remembered as applied for a week after the erasure, then forgotten', () => {
    const items = new ItemSide(new ModelState(config.model));
    const now = Date.now();
    const day = 24 * 3_600_000;
    const recent: Erasure = { userId: 'u1', erasedAt: now - day, offsets: {} };
    const old: Erasure = { userId: 'u2', erasedAt: now - TAKE_BACKS_REMEMBERED_MS - day, offsets: {} };
    const users = new UserSide(new ModelState(config.model));
    const batch = new ItemDeltaBatch(() => users.landmark);
    for (const e of randomStream(50, 3, 5, 10)) users.learnOne(e, batch, items);
    const input = batch.take({ topic: 'clicks', partition: 0, from: 0, to: 50 });
    for (const d of input) items.applyDelta(d, '0');
    const sendings = [recent, old].map((erasure) => {
      const takeBacks = new ErasureTakeBacks(users, 7);
      expect(takeBacks.forget(erasure, 0)).toBe(true);
      return takeBacks.records(config.topics.itemDeltas, 1, undefined).records.flatMap((r) => r.decoded as typeof input);
    });
    for (const deltas of sendings) for (const d of deltas) expect(items.applyDelta(d, '0')).toBe(true);
    const topics = (): string[] => items.appliedSources('0').map(([key]) => key);
    expect(topics()).toHaveLength(3);

    expect(erasureSourceEnded('clicks', now)).toBe(false);
    expect(items.forgetSources((topic) => erasureSourceEnded(topic, now))).toBe(1);
    expect(topics()).toEqual([`0|clicks:0`, `0|${erasureSource(recent, 0, 7).topic}:0`]);
    // the recent erasure's sending is still a duplicate; the forgotten one would apply again
    expect(items.applyDelta(sendings[0]![0]!, '0')).toBe(false);
    expect(items.applyDelta(sendings[1]![0]!, '0')).toBe(true);
  });
});
