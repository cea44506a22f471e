import { describe, expect, it } from 'vitest';
import { ItemKnnBaseline } from '../../src/eval/baselines/item-knn.js';
import { PopularityBaseline } from '../../src/eval/baselines/popularity.js';
import type { Interaction } from '../../src/eval/interactions.js';

const row = (userId: string, itemId: string, timestamp = 0): Interaction => ({
  userId,
  itemId,
  timestamp,
  type: 'click',
  rating: null,
  price: null,
  sessionId: null,
});

describe('popularity baseline', () => {
  it('ranks by count so far, drops the seen items, and follows changing counts', () => {
    const pop = new PopularityBaseline();
    for (const [u, i] of [
      ['a', 'X'],
      ['b', 'Y'],
      ['c', 'Y'],
      ['d', 'Z'],
      ['e', 'Z'],
      ['f', 'Z'],
    ])
      pop.learn(row(u, i));
    expect(pop.recommend('n', 3, 0, new Set())).toEqual(['Z', 'Y', 'X']);
    expect(pop.recommend('n', 2, 0, new Set(['Z']))).toEqual(['Y', 'X']);
    for (let n = 0; n < 3; n++) pop.learn(row(`g${n}`, 'X'));
    expect(pop.recommend('n', 3, 0, new Set())).toEqual(['X', 'Z', 'Y']);
    expect(pop.count('X')).toBe(4);
  });

  it('agrees with a plain recount after many random increments', () => {
    const pop = new PopularityBaseline();
    const counts = new Map<string, number>();
    let state = 12345;
    for (let n = 0; n < 3000; n++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      const item = `i${Math.floor(Math.sqrt(state % 10000))}`;
      pop.learn(row('u', item));
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    const list = pop.recommend('u', counts.size, 0, new Set());
    expect(list).toHaveLength(counts.size);
    for (let i = 1; i < list.length; i++) expect(counts.get(list[i - 1])!).toBeGreaterThanOrEqual(counts.get(list[i])!);
    for (const [item, c] of counts) expect(pop.count(item)).toBe(c);
  });
});

describe('item-kNN baseline', () => {
  // u1 {A,B}, u2 {A,B,C}, u3 {A,C}: |A|=3 |B|=2 |C|=2, A·B=2, A·C=2, B·C=1
  const trained = (options = {}) => {
    const knn = new ItemKnnBaseline({ refreshFraction: 0, ...options });
    for (const [u, i] of [
      ['u1', 'A'],
      ['u1', 'B'],
      ['u2', 'A'],
      ['u2', 'B'],
      ['u2', 'C'],
      ['u3', 'A'],
      ['u3', 'C'],
    ])
      knn.learn(row(u, i));
    return knn;
  };

  it('has the binary cosine of all data so far; repeats do not count twice', () => {
    const knn = trained();
    knn.learn(row('u1', 'A'));
    const b = new Map(knn.neighbors('B'));
    expect(b.get('A')).toBeCloseTo(2 / Math.sqrt(3 * 2), 12);
    expect(b.get('C')).toBeCloseTo(1 / Math.sqrt(2 * 2), 12);
    expect(
      knn
        .neighbors('A')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['B', 'C']);
  });

  it('sums similarities to the recent items and never returns a seen one', () => {
    const knn = trained();
    knn.learn(row('u4', 'B'));
    // u4 saw B: A scores 0.816, C scores 0.5
    expect(knn.recommend('u4', 5, 0, new Set(['B']))).toEqual(['A', 'C']);
    expect(knn.recommend('u4', 5, 0, new Set(['B', 'A']))).toEqual(['C']);
    expect(knn.recommend('stranger', 5, 0, new Set())).toEqual([]);
  });

  it('reads only the last N items of the user', () => {
    const knn = trained({ recentItems: 1 });
    // D co-occurs only with B; u5 sees B then C, so with N=1 only C's neighbours (A, B) count
    knn.learn(row('u6', 'B'));
    knn.learn(row('u6', 'D'));
    knn.learn(row('u5', 'B'));
    knn.learn(row('u5', 'C'));
    expect(knn.recommend('u5', 5, 0, new Set(['B', 'C']))).toEqual(['A']);
    const wide = trained({ recentItems: 20 });
    wide.learn(row('u6', 'B'));
    wide.learn(row('u6', 'D'));
    wide.learn(row('u5', 'B'));
    wide.learn(row('u5', 'C'));
    expect(wide.recommend('u5', 5, 0, new Set(['B', 'C']))).toEqual(['A', 'D']);
  });

  it('refreshes a cached neighbour list once its row has changed enough', () => {
    const knn = new ItemKnnBaseline({ refreshFraction: 0.5 });
    knn.learn(row('u1', 'A'));
    knn.learn(row('u1', 'B'));
    expect(knn.neighbors('A').map(([id]) => id)).toEqual(['B']);
    for (let n = 0; n < 5; n++) {
      knn.learn(row(`v${n}`, 'A'));
      knn.learn(row(`v${n}`, 'C'));
    }
    expect(knn.neighbors('A').map(([id]) => id)).toEqual(['C', 'B']);
  });
});
