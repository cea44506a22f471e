import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  FEATURE_COUNT,
  ItemSimilarity,
  pairFeatures,
  Recommender,
  Transitions,
  topCandidates,
} from '../../src/model/index.js';
import { T0, view } from './helpers.js';

function candidate(itemId: string, affinity: number): Candidate {
  return {
    itemId,
    index: -1,
    knn: affinity,
    follow: 0,
    affinity,
    support: 1,
    bestPosition: 0,
    supporters: [],
    seen: false,
    trendingOnly: false,
  };
}

describe('candidates and features', () => {
  it('followed-by shares estimate the next item within a session', () => {
    const items = new ItemSimilarity({ neighbors: 10, maxCountersPerItem: 0, shrinkage: 0, minSupport: 1 });
    const t = new Transitions(0, 1, items);
    t.add('a', items.node('b').index, 3);
    t.add('a', items.node('c').index, 1);
    const shares = new Map<string, number>();
    t.forEachNext('a', (to, share) => shares.set(to, share));
    expect(shares).toEqual(
      new Map([
        ['b', 0.75],
        ['c', 0.25],
      ]),
    );
  });

  it('recommends the usual next item of the current session item', () => {
    const m = new Recommender();
    for (let u = 0; u < 30; u++) {
      m.learnOne(view(`a${u}`, `u${u}`, 'phone', T0 + u * 10_000, 'view', `s${u}`));
      m.learnOne(view(`b${u}`, `u${u}`, u % 3 === 0 ? 'charger' : 'case', T0 + u * 10_000 + 1, 'view', `s${u}`));
    }
    m.learnOne(view('x', 'me', 'phone', T0 + 400_000, 'view', 'mine'));
    const r = m.recommend('me', { limit: 2, now: T0 + 400_001, excludeSeen: true });
    expect(r.items.map((i) => i.itemId)).toEqual(['case', 'charger']);
    expect(r.items[0].reasons).toEqual(['co-viewed:phone']);
  });

  it('picks the best candidates passing the filter, ties by id, same result with or without preselection', () => {
    const pool = Array.from({ length: 200 }, (_, k) => candidate(`i${k}`, (k * 37) % 101));
    const keep = (id: string): boolean => Number(id.slice(1)) % 2 === 0;
    const top = topCandidates(pool, 10, keep);
    const expected = pool
      .filter((c) => keep(c.itemId))
      .sort((a, b) => b.affinity - a.affinity || (a.itemId < b.itemId ? -1 : 1))
      .slice(0, 10);
    expect(top.map((c) => c.itemId)).toEqual(expected.map((c) => c.itemId));
    const few = topCandidates(pool, 10, (id) => id === 'i3' || id === 'i4');
    expect(few.map((c) => c.itemId).sort()).toEqual(['i3', 'i4']);
  });

  it('builds bounded, finite feature vectors', () => {
    const c = candidate('x', 2);
    const x = pairFeatures(c, { maxKnn: 4, trend: 3, popularity: 100, seen: true, inCart: false, price: 20, averageSpend: 10 });
    expect(x.length).toBe(FEATURE_COUNT);
    expect(x[0]).toBe(1);
    expect(x[2]).toBeCloseTo(0.5, 12);
    expect(x[8]).toBe(1);
    expect(x[10]).toBeCloseTo(Math.log(2), 12);
    const bad = pairFeatures(c, { maxKnn: 4, trend: Infinity, popularity: 0, seen: false, inCart: false, price: 0, averageSpend: 0 });
    for (const v of bad) expect(Number.isFinite(v)).toBe(true);
  });
});
