import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../../src/events/types.js';
import { Recommender } from '../../src/model/recommender.js';
import { resolveConfig } from '../../src/model/types.js';
import { randomStream } from './helpers.js';

const config = resolveConfig({ minSupportUsers: 1, maxCountersPerItem: 12 });

/** Every user's and item's record of `from`, through JSON as they travel, loaded into a fresh model. */
function throughRecords(from: Recommender, into = new Recommender(config)): Recommender {
  const state = from.snapshot();
  const users = state.users.map(([id]) => [id, JSON.parse(JSON.stringify(from.users.record(id)))] as const);
  const items = state.items.map(([id]) => [id, JSON.parse(JSON.stringify(from.items.record(id)))] as const);
  into.items.adoptLandmarks(from.items.landmark, from.items.trendingLandmark);
  for (const [id, record] of items) if (record !== null) into.items.loadRecord(id, record);
  for (const [id, record] of users) into.users.loadRecord(id, record);
  into.users.countRestored(state.eventsApplied);
  into.loadParams(JSON.parse(JSON.stringify(from.paramsSnapshot())));
  return into;
}

describe('state records (the state stores’ unit)', () => {
  it('a model rebuilt from its users’ and items’ records has the same digest, and learns on the same', () => {
    const stream = randomStream(3000, 7, 70, 60);
    const model = new Recommender(config);
    for (const e of stream.slice(0, 2000)) model.learnOne(e);
    const copy = throughRecords(model);
    expect(copy.digest()).toEqual(model.digest());
    for (const e of stream.slice(2000)) {
      model.learnOne(e);
      copy.learnOne(e);
    }
    expect(copy.digest()).toEqual(model.digest());
    expect(copy.recommend('u1', { limit: 10, now: stream[2999].timestamp }).items.map((i) => i.itemId)).toEqual(
      model.recommend('u1', { limit: 10, now: stream[2999].timestamp }).items.map((i) => i.itemId),
    );
  });

  it('records written before the landmark moved load into a state whose landmark has moved since', () => {
    // half-life of one hour and events 100 hours apart: the landmark moves (renormalisation) in between
    const fast = resolveConfig({ minSupportUsers: 1, halfLifeHours: 1 });
    const early = randomStream(400, 3, 20, 30);
    const late = randomStream(400, 4, 20, 30).map((e): TrackingEvent => ({ ...e, timestamp: e.timestamp + 100 * 3_600_000 }));
    const model = new Recommender(fast);
    for (const e of early) model.learnOne(e);
    const earlyRecords = new Recommender(fast);
    throughRecords(model, earlyRecords);
    const t0Early = model.users.landmark;
    for (const e of late) model.learnOne(e);
    expect(model.users.landmark).not.toBe(t0Early);
    // a state at the late landmark gets the early users' records (as a store holding records of both ages)
    const mixed = new Recommender(fast);
    mixed.items.adoptLandmarks(model.items.landmark, model.items.trendingLandmark);
    const earlyUser = early[0].userId;
    const record = earlyRecords.users.record(earlyUser);
    expect(record).not.toBeNull();
    if (record === null) return;
    mixed.users.loadRecord(earlyUser, record);
    const reference = new Recommender(fast);
    reference.items.adoptLandmarks(t0Early, null);
    reference.users.loadRecord(earlyUser, record);
    // the same user at two landmarks: weights differ by the landmark factor, the decayed values agree
    const at = late[399].timestamp;
    expect(mixed.recommend(earlyUser, { limit: 5, now: at }).userScores).toEqual(
      reference.recommend(earlyUser, { limit: 5, now: at }).userScores,
    );
    const a = mixed.snapshot().users[0][1].items.map((e) => e[1]);
    const b = reference.snapshot().users[0][1].items.map((e) => e[1]);
    const factor = Math.exp((Math.LN2 / 3_600_000) * ((t0Early ?? 0) - (model.users.landmark ?? 0)));
    for (let k = 0; k < a.length; k++) expect(a[k]).toBeCloseTo(b[k] * factor, 12);
  });
});

describe('releasing items (their partition moved to another process)', () => {
  it('lets go of the moved items only: they become peers, their trending counts go, the top list is the best of the rest', () => {
    const stream = randomStream(3000, 11, 80, 60);
    const model = new Recommender(config);
    for (const e of stream) model.learnOne(e);
    const before = [...model.items.topTrending()];
    const ids = model.snapshot().items.map(([id]) => id);
    // every other item of the top list moves, and a third of all
    const moving = new Set([...before.filter((_, k) => k % 2 === 0), ...ids.filter((_, k) => k % 3 === 0)]);
    const staying = ids.filter((id) => !moving.has(id));
    const trendingOf = new Map(staying.map((id) => [id, model.items.trendingStored(id)]));

    expect(model.items.release((id) => moving.has(id), [])).toBe(moving.size);

    for (const id of moving) {
      expect(model.items.isPeer(id)).toBe(true);
      expect(model.items.trendingStored(id)).toBe(0);
    }
    for (const id of staying) expect(model.items.trendingStored(id)).toBe(trendingOf.get(id));
    const expected = staying
      .filter((id) => (trendingOf.get(id) ?? 0) > 0)
      .sort((a, b) => (trendingOf.get(b) ?? 0) - (trendingOf.get(a) ?? 0) || (a < b ? -1 : 1))
      .slice(0, before.length);
    expect(model.items.topTrending()).toEqual(expected);
  });
});
