import { describe, expect, it } from 'vitest';
import { Recommender } from '../../src/model/index.js';
import { HOUR, T0, view } from './helpers.js';

describe('what one user adds to shared item state', () => {
  it('trending counts a user once per item, from the start of their latest window', () => {
    const m = new Recommender({ trendingWindowHours: 24 });
    for (let k = 0; k < 50; k++) m.learnOne(view(`v${k}`, 'u', 'x', T0 + k * 1000));
    m.learnOne(view('c', 'u', 'x', T0 + 60_000, 'add_to_cart'));
    expect(m.trending.total('x')).toBe(1);
    expect(m.trending.value('x', T0)).toBeCloseTo(1, 9);
    // a new window moves the user's count to now: still one user, no longer decayed
    m.learnOne(view('next-day', 'u', 'x', T0 + 25 * HOUR));
    expect(m.trending.total('x')).toBe(1);
    expect(m.trending.value('x', T0 + 25 * HOUR)).toBeCloseTo(1, 9);
    // another user counts at once
    m.learnOne(view('w', 'w', 'x', T0 + 25 * HOUR));
    expect(m.trending.total('x')).toBe(2);
    expect(m.trending.value('x', T0 + 25 * HOUR)).toBeCloseTo(2, 9);
  });

  it('repeating a transition or an item adds nothing', () => {
    const m = new Recommender({ halfLifeHours: 0, shrinkage: 0 });
    for (let k = 0; k < 20; k++) {
      m.learnOne(view(`a${k}`, 'u', 'a', T0 + k * 2000));
      m.learnOne(view(`b${k}`, 'u', 'b', T0 + k * 2000 + 1000));
    }
    const ab = m.transitions.nodes.get('a')!.next.get('b')!;
    expect([ab.count, ab.n]).toEqual([1, 1]);
    const counter = m.similarity.nodes.get('a')!.counters.get('b')!;
    expect([counter.count, counter.n]).toEqual([1, 1]);
    expect(m.similarity.nodes.get('a')!.norm2).toBe(1);
  });
});
