import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../../src/events/types.js';
import { fromSnapshot, Recommender } from '../../src/model/index.js';
import { purchase, randomStream, T0, view } from './helpers.js';

describe('recommendations', () => {
  const model = new Recommender();
  for (let u = 0; u < 20; u++) {
    model.learnOne(view(`v${u}a`, `u${u}`, 'shoe', T0 + u * 1000));
    model.learnOne(view(`v${u}b`, `u${u}`, 'sock', T0 + u * 1000 + 10));
    model.learnOne(
      purchase(`p${u}`, `u${u}`, T0 + u * 1000 + 20, [
        ['tent', 1, 100],
        ['stove', 1, 40],
      ]),
    );
  }
  model.learnOne(view('n1', 'newbie', 'shoe', T0 + 60_000));
  model.learnOne(purchase('n2', 'buyer', T0 + 60_000, [['tent', 1, 100]]));
  const now = T0 + 61_000;

  it('names the supporting items: co-viewed for views, bought-together for purchases', () => {
    const r = model.recommend('newbie', { limit: 5, now });
    expect(r.items.length).toBeGreaterThan(0);
    const sock = r.items.find((i) => i.itemId === 'sock');
    expect(sock?.reasons).toContain('co-viewed:shoe');
    for (const item of r.items) expect(item.reasons.length).toBeGreaterThan(0);
    const b = model.recommend('buyer', { limit: 5, now });
    expect(b.items.find((i) => i.itemId === 'stove')?.reasons).toContain('bought-together:tent');
  });

  it('falls back to trending for unknown users', () => {
    const r = model.recommend('stranger', { limit: 3, now });
    expect(r.items.length).toBe(3);
    for (const item of r.items) expect(item.reasons).toEqual(['trending']);
    expect(r.userScores.expectedOrderValue).toBeNull();
  });

  it('applies the filters: purchased, explicit exclusions, seen', () => {
    const b = model.recommend('buyer', { limit: 10, now });
    expect(b.items.map((i) => i.itemId)).not.toContain('tent');
    const n = model.recommend('newbie', { limit: 10, now, exclude: ['sock'] });
    expect(n.items.map((i) => i.itemId)).not.toContain('sock');
    expect(model.recommend('newbie', { limit: 10, now }).items.map((i) => i.itemId)).toContain('shoe');
    expect(model.recommend('newbie', { limit: 10, now, excludeSeen: true }).items.map((i) => i.itemId)).not.toContain('shoe');
  });

  it('keeps purchased items when excludePurchased is off', () => {
    const m = new Recommender({ excludePurchased: false });
    m.learnOne(purchase('a', 'x', T0, [['tent', 1, 100]]));
    m.learnOne(view('b', 'y', 'tent', T0 + 1));
    expect(m.recommend('x', { limit: 5, now: T0 + 2 }).items.map((i) => i.itemId)).toContain('tent');
  });

  it('predicts an expected order value once orders were learned', () => {
    const m = new Recommender({ rlsForgetting: 1 });
    let k = 0;
    for (let round = 0; round < 8; round++) {
      for (let u = 0; u < 10; u++) {
        const value = 20 + u * 10 + round;
        m.learnOne(purchase(`o${k++}`, `c${u}`, T0 + round * 86_400_000 + u, [['x', 1, value]]));
      }
    }
    const v = m.recommend('c5', { limit: 3, now: T0 + 8 * 86_400_000 }).userScores.expectedOrderValue;
    expect(v).not.toBeNull();
    expect(v!).toBeGreaterThan(60);
    expect(v!).toBeLessThan(90);
    expect(m.stats().rlsRmse).not.toBeNull();
    expect(m.recommend('nobody', { limit: 3, now: T0 }).userScores.expectedOrderValue).toBeNull();
  });

  it('reorders with the ranker after warm-up and stays deterministic', () => {
    const events = randomStream(4000, 13, 50, 80);
    const a = new Recommender();
    const b = new Recommender();
    for (const e of events) {
      a.learnOne(e);
      b.learnOne(e);
    }
    const now = events[events.length - 1].timestamp;
    expect(a.stats().rankerLogLoss).not.toBeNull();
    expect(fromSnapshot(a.snapshot()).ranker.updates).toBeGreaterThan(500);
    for (let u = 0; u < 50; u += 5) expect(a.recommend(`u${u}`, { limit: 10, now })).toEqual(b.recommend(`u${u}`, { limit: 10, now }));
  });

  it('trains the ranker on one browsing event in rankerBrowseEvery, on every add-to-cart and purchase', () => {
    const updates = (config: { rankerBrowseEvery: number }, events: TrackingEvent[]): number => {
      const m = new Recommender(config);
      for (const e of events) m.learnOne(e);
      return fromSnapshot(m.snapshot()).ranker.updates;
    };
    const browsing = randomStream(4000, 13, 50, 80).filter((e) => e.kind === 'click' && e.type !== 'add_to_cart');
    const every = updates({ rankerBrowseEvery: 1 }, browsing);
    const sampled = updates({ rankerBrowseEvery: 4 }, browsing);
    expect(every).toBeGreaterThan(400);
    // one in four of the events that would train, give or take the hash's spread
    expect(sampled / every).toBeGreaterThan(0.15);
    expect(sampled / every).toBeLessThan(0.35);
    const strong = randomStream(4000, 13, 50, 80).filter((e) => e.kind === 'purchase' || e.type === 'add_to_cart');
    expect(updates({ rankerBrowseEvery: 4 }, strong)).toBe(updates({ rankerBrowseEvery: 1 }, strong));
    expect(updates({ rankerBrowseEvery: 4 }, strong)).toBeGreaterThan(0);
  });

  it('forgets a user and what their history added to the counters', () => {
    const m = new Recommender({ shrinkage: 0, minSupportUsers: 1 });
    m.learnOne(view('1', 'a', 'x', T0));
    m.learnOne(view('2', 'a', 'y', T0 + 1));
    expect(m.similar('x', 5).map((s) => s.itemId)).toEqual(['y']);
    expect(m.forgetUser('a')).toBe(true);
    expect(m.knowsUser('a')).toBe(false);
    expect(m.similar('x', 5)).toEqual([]);
    expect(m.forgetUser('a')).toBe(false);
  });
});
