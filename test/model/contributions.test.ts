import { describe, expect, it } from 'vitest';
import { HOUR, modelWithState, randomStream, T0, view } from './helpers.js';

describe('what one user adds to shared item state', () => {
  it('erasing a user leaves the state of a model that never saw them (history and counters unbounded)', () => {
    // caps off, so nothing of the user has become anonymous aggregate; the ranker is off because it is
    // a shared aggregate whose learning is not traced back to users (the lists below compare item state)
    const config = { halfLifeHours: 0, historyLength: 0, maxCountersPerItem: 0, maxTransitionsPerItem: 0, ranker: false };
    const erased = 'erased';
    // the erased user's walk comes first, so every item they touched is active again later (an item's
    // last-activity time is not taken back)
    const walk = [3, 11, 4, 9, 1, 27, 3, 40, 22, 9].map((i, k) => view(`walk-${k}`, erased, `i${i}`, T0 - 3 * HOUR + k * 60_000));
    const others = randomStream(3000, 5, 40, 60);
    const events = [...walk, ...others];
    const { model: forgot, state: forgotState } = modelWithState(config);
    for (const e of events) forgot.learnOne(e);
    const { model: never, state: neverState } = modelWithState(config);
    for (const e of others) never.learnOne(e);
    expect(forgot.digest().stateHash).not.toBe(never.digest().stateHash);

    expect(forgot.forgetUser(erased)).toBe(true);
    const a = forgot.digest();
    const b = never.digest();
    expect({ users: a.users, items: a.items, stateHash: a.stateHash }).toEqual({ users: b.users, items: b.items, stateHash: b.stateHash });
    expect(forgotState.trending.topItems()).toEqual(neverState.trending.topItems());
    const now = others[others.length - 1].timestamp;
    for (let u = 0; u < 40; u += 3) {
      expect(forgot.recommend(`u${u}`, { limit: 10, now }).items.map((i) => i.itemId)).toEqual(
        never.recommend(`u${u}`, { limit: 10, now }).items.map((i) => i.itemId),
      );
    }
  });

  it('trending counts a user once per item, from the start of their latest window', () => {
    const { model: m, state } = modelWithState({ trendingWindowHours: 24 });
    for (let k = 0; k < 50; k++) m.learnOne(view(`v${k}`, 'u', 'x', T0 + k * 1000));
    m.learnOne(view('c', 'u', 'x', T0 + 60_000, 'add_to_cart'));
    expect(state.trending.total('x')).toBe(1);
    expect(state.trending.value('x', T0)).toBeCloseTo(1, 9);
    // a new window moves the user's count to now: still one user, no longer decayed
    m.learnOne(view('next-day', 'u', 'x', T0 + 25 * HOUR));
    expect(state.trending.total('x')).toBe(1);
    expect(state.trending.value('x', T0 + 25 * HOUR)).toBeCloseTo(1, 9);
    // another user counts at once
    m.learnOne(view('w', 'w', 'x', T0 + 25 * HOUR));
    expect(state.trending.total('x')).toBe(2);
    expect(state.trending.value('x', T0 + 25 * HOUR)).toBeCloseTo(2, 9);
  });

  it('repeating a transition or an item adds nothing; a second user makes the pair usable', () => {
    const { model: m, state } = modelWithState({ halfLifeHours: 0, shrinkage: 0 });
    for (let k = 0; k < 20; k++) {
      m.learnOne(view(`a${k}`, 'u', 'a', T0 + k * 2000));
      m.learnOne(view(`b${k}`, 'u', 'b', T0 + k * 2000 + 1000));
    }
    const ab = state.transitions.nodes.get('a')!.next.get('b')!;
    expect([ab.count, ab.n]).toEqual([1, 1]);
    const counter = state.similarity.nodes.get('a')!.counters.get('b')!;
    expect([counter.count, counter.n]).toEqual([1, 1]);
    expect(state.similarity.nodes.get('a')!.norm2).toBe(1);
    // one user's pair is below the default support of 2 users
    expect(m.similar('a', 5)).toEqual([]);
    m.learnOne(view('v1', 'v', 'a', T0 + 50_000));
    m.learnOne(view('v2', 'v', 'b', T0 + 51_000));
    expect(m.similar('a', 5).map((s) => s.itemId)).toEqual(['b']);
    const reasons = (() => {
      m.learnOne(view('w1', 'w', 'a', T0 + 60_000));
      return m.recommend('w', { limit: 5, now: T0 + 61_000 }).items.find((i) => i.itemId === 'b')?.reasons;
    })();
    expect(reasons).toEqual(['co-viewed:a']);
  });

  it('a user returning to items after their history evicted them still counts once for the pair', () => {
    const { model: m, state } = modelWithState({ historyLength: 3, halfLifeHours: 0, shrinkage: 0 });
    const walk = ['x', 'y', 'p', 'q', 'r', 'x', 'y'];
    walk.forEach((item, k) => {
      m.learnOne(view(`w${k}`, 'u', item, T0 + k * 1000));
    });
    const counter = state.similarity.nodes.get('x')!.counters.get('y')!;
    // the pair formed twice in u's history, from one person
    expect([counter.n, counter.users]).toEqual([2, 1]);
    expect(m.similar('x', 5)).toEqual([]);
  });
});
