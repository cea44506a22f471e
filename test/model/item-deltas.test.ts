import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/log/partitioner.js';
import { DISCARD_UPDATES, type ItemDelta, ItemDeltaBatch } from '../../src/model/item-delta.js';
import { ItemSide } from '../../src/model/item-side.js';
import { neighborRecord } from '../../src/model/neighbor-row.js';
import { NeighborTable } from '../../src/model/neighbor-table.js';
import { Recommender } from '../../src/model/recommender.js';
import { ModelState } from '../../src/model/state.js';
import { resolveConfig } from '../../src/model/types.js';
import { UserSide } from '../../src/model/user-side.js';
import { randomStream } from './helpers.js';

const config = resolveConfig({ minSupportUsers: 1 });

/** A user side and the item side it reports to, each on a state of its own (two processes). */
function sides(): { users: UserSide; userState: ModelState; items: ItemSide; itemState: ModelState } {
  const userState = new ModelState(config);
  const itemState = new ModelState(config);
  return { users: new UserSide(userState), userState, items: new ItemSide(itemState), itemState };
}

/** Learns `events` as one input batch of partition 0 at `from`, returning its delta records. */
function learnBatch(users: UserSide, view: ItemSide, events: ReturnType<typeof randomStream>, from: number): ItemDelta[] {
  const batch = new ItemDeltaBatch(() => users.landmark);
  for (const e of events) users.learnOne(e, batch, view);
  // through JSON, as they travel
  return JSON.parse(JSON.stringify(batch.take({ topic: 'clicks', partition: 0, from, to: from + events.length }))) as ItemDelta[];
}

describe('item deltas', () => {
  const stream = randomStream(1200, 11, 40, 50);
  const first = stream.slice(0, 600);
  const second = stream.slice(600);

  it('a user batch re-delivered after its deltas were produced is counted once', () => {
    const once = sides();
    const twice = sides();
    for (const s of [once, twice]) {
      for (const d of learnBatch(s.users, s.items, first, 0)) s.items.applyDelta(d, '0');
      for (const d of learnBatch(s.users, s.items, second, 600)) s.items.applyDelta(d, '0');
    }
    // the process crashed after producing the second batch's deltas and before committing it: a new
    // owner restores the user state up to the commit and learns the same batch again
    const restarted = new UserSide(new ModelState(config));
    for (const e of first) restarted.learnOne(e, DISCARD_UPDATES, twice.items);
    const again = learnBatch(restarted, twice.items, second, 600);
    expect(again.length).toBeGreaterThan(10);
    const applied = again.map((d) => twice.items.applyDelta(d, '0'));
    expect(applied.every((a) => a === false)).toBe(true);
    expect(new Recommender(twice.itemState).digest()).toEqual(new Recommender(once.itemState).digest());
  });

  it('an item known only as a peer, with the norm its last owner published, counts its norm from nothing once its own deltas are replayed here', () => {
    // two item-deltas partitions; the owner crashes after partition 0's first checkpoint, before partition 1 had one
    const lane = (item: string): string => String(partitionForKey(item, 2));
    const owner = sides();
    const firstDeltas = learnBatch(owner.users, owner.items, first, 0);
    for (const d of firstDeltas) owner.items.applyDelta(d, lane(d.item));
    const stored = [...owner.itemState.similarity.nodes.keys()]
      .filter((id) => lane(id) === '0')
      .map((id) => [id, JSON.parse(JSON.stringify(owner.items.record(id)))] as const);
    const sources = owner.items.appliedSources('0');
    const secondDeltas = learnBatch(owner.users, owner.items, second, 600);
    for (const d of secondDeltas) owner.items.applyDelta(d, lane(d.item));
    // the rows published before the crash, with each item's norm
    const published = [...owner.itemState.similarity.nodes.keys()].flatMap((id) => neighborRecord(owner.items, id) ?? []);

    // the restarted owner: partition 0 from its record and checkpoint; the global table is read meanwhile
    // (partition 1's items are peers of partition 0's, and take their published norms); then every delta
    // after each checkpoint is replayed (all of partition 1's)
    const state = new ModelState(config);
    const restored = new ItemSide(state);
    restored.adoptLandmarks(owner.items.landmark, owner.items.trendingLandmark);
    for (const [id, record] of stored) if (record !== null) restored.loadRecord(id, record);
    restored.loadAppliedSources(sources);
    for (const row of published) restored.setPeerNorm(row.item, row.norm2, row.t0);
    const borrowed = [...state.similarity.nodes.values()].filter((n) => !n.owned && n.norm2 > 0);
    expect(borrowed.length).toBeGreaterThan(5);
    for (const d of [...firstDeltas, ...secondDeltas]) restored.applyDelta(d, lane(d.item));

    expect(new Recommender(state).digest()).toEqual(new Recommender(owner.itemState).digest());
  });

  it('records of one batch that reach the owner by different partitions are each applied', () => {
    const s = sides();
    const deltas = learnBatch(s.users, s.items, first, 0);
    // alternate lanes: each lane sees increasing positions of the same source range
    const results = deltas.map((d, k) => s.items.applyDelta(d, String(k % 2)));
    expect(results.every((r) => r === true)).toBe(true);
  });

  it('applied through deltas, the item side holds the co-occurrence a one-process model learns (unbounded counters)', () => {
    const exact = resolveConfig({ minSupportUsers: 1, maxCountersPerItem: 0, historyLength: 0 });
    const direct = new Recommender(exact);
    for (const e of stream) direct.learnOne(e);
    const userState = new ModelState(exact);
    const itemState = new ModelState(exact);
    const users = new UserSide(userState);
    const items = new ItemSide(itemState);
    for (let at = 0; at < stream.length; at += 100) {
      const batch = new ItemDeltaBatch(() => users.landmark);
      for (const e of stream.slice(at, at + 100)) users.learnOne(e, batch, items);
      for (const d of batch.take({ topic: 'clicks', partition: 0, from: at, to: at + 100 })) items.applyDelta(d, '0');
    }
    const table = new NeighborTable(exact.trendingHalfLifeHours);
    for (const id of itemState.similarity.nodes.keys()) {
      const row = neighborRecord(items, id);
      if (row !== null) table.apply(row);
    }
    let compared = 0;
    for (const id of itemState.similarity.nodes.keys()) {
      const want = direct.similar(id, 10);
      const got = table.similar(id, 10);
      expect(got.map((n) => n.itemId)).toEqual(want.map((n) => n.itemId));
      for (let k = 0; k < got.length; k++) expect(got[k].score).toBeCloseTo(want[k].score, 9);
      compared++;
    }
    expect(compared).toBe(direct.stats().items);
    expect(compared).toBeGreaterThan(20);
  });
});
