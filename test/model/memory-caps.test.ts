import { describe, expect, it } from 'vitest';
import { Recommender } from '../../src/model/index.js';
import { modelWithState, randomStream, T0, view } from './helpers.js';

describe('memory caps under a long random stream', () => {
  const config = { historyLength: 8, maxCountersPerItem: 12, neighbors: 5, maxTransitionsPerItem: 6, userIdleDays: 1 };
  const { model, state } = modelWithState(config);
  const events = randomStream(20_000, 11, 300, 400);
  for (const e of events) model.learnOne(e);
  for (let u = 0; u < 300; u += 7) model.recommend(`u${u}`, { limit: 10, now: events[events.length - 1].timestamp });

  it('keeps at most historyLength items per user', () => {
    let max = 0;
    for (const u of state.users.values()) max = Math.max(max, u.items.size);
    expect(max).toBe(config.historyLength);
  });

  it('keeps at most maxCountersPerItem counters per item', () => {
    let max = 0;
    for (const node of state.similarity.nodes.values()) max = Math.max(max, node.counters.size);
    expect(max).toBeLessThanOrEqual(config.maxCountersPerItem);
    expect(max).toBeGreaterThan(config.maxCountersPerItem / 2);
    expect(model.stats().counterEntries).toBeLessThanOrEqual(state.similarity.nodes.size * config.maxCountersPerItem);
  });

  it('keeps at most `neighbors` neighbours per item and per similar() answer', () => {
    for (const node of state.similarity.nodes.values()) expect(node.neighborScores.length).toBeLessThanOrEqual(config.neighbors);
    expect(model.similar('i3', 100).length).toBeLessThanOrEqual(config.neighbors);
    expect(model.stats().neighborEntries).toBeGreaterThan(0);
  });

  it('keeps at most maxTransitionsPerItem followed-by counters per item', () => {
    for (const node of state.transitions.nodes.values()) expect(node.next.size).toBeLessThanOrEqual(config.maxTransitionsPerItem);
  });

  it('forgets idle users and only them', () => {
    const m = new Recommender({ userIdleDays: 1 });
    m.learnOne({ kind: 'click', eventId: 'a', userId: 'old', itemId: 'x', type: 'view', timestamp: T0 });
    m.learnOne({ kind: 'click', eventId: 'b', userId: 'new', itemId: 'x', type: 'view', timestamp: T0 + 36 * 3_600_000 });
    expect(m.expireIdle(T0 + 30 * 3_600_000)).toBe(1);
    expect(m.knowsUser('old')).toBe(false);
    expect(m.knowsUser('new')).toBe(true);
    expect(m.expireIdle(T0 + 30 * 3_600_000)).toBe(0);
  });

  it('lets go of item ids no user names any more, and every user still names its own items', () => {
    const { model: churn, state: held } = modelWithState({ historyLength: 3 });
    const seen = new Map<string, string[]>();
    const learn = (k: number, userId: string, session: string): void => {
      const itemId = `item-${k}`;
      churn.learnOne(view(`e${k}`, userId, itemId, T0 + k * 1000, 'view', session));
      seen.set(userId, [...(seen.get(userId) ?? []), itemId].slice(-6));
    };
    // ten users whose items nobody else names (the last of five of them in a session of its own: its
    // items before are named only as followed-by sources, as the others' first is only as a session
    // item), then idle while 40 others go through 30,000 items
    for (let k = 0; k < 60; k++) learn(k, `sleeper${k % 10}`, k >= 50 && k % 2 === 1 ? 'second' : 'first');
    // and one whose newest item has two followed-by sources (held in list form) that nothing else names
    for (const [k, item] of ['x1', 'x2', 'x3', 'x1', 'x3', 'y1', 'y2', 'x3'].entries()) {
      churn.learnOne(view(`r${k}`, 'revisitor', item, T0 + k * 1000, 'view', k < 7 ? 'first' : 'second'));
    }
    for (let k = 60; k < 30_060; k++) learn(k, `u${k % 40}`, 'one');
    // each item is named once; what the users hold is ~50 × (3 + 5 session + 3 sources)
    expect(held.userContext.itemIds.size).toBeLessThan(1100);
    for (const [userId, items] of seen) {
      const user = held.users.get(userId);
      const split = userId.startsWith('sleeper') && Number(userId.slice(-1)) % 2 === 1;
      expect(user?.items.ids()).toEqual(items.slice(-3));
      // each item followed the user's item before it in the session (a sleeper's last began a new one)
      expect([0, 1, 2].map((slot) => user?.items.followsAt(slot).map(([from]) => from))).toEqual([
        [items[2]],
        [items[3]],
        split ? [] : [items[4]],
      ]);
      expect(user?.toJSON().session.items).toEqual(split ? items.slice(-1) : items.slice(-5));
    }
    const revisitor = held.users.get('revisitor');
    expect(revisitor?.items.ids()).toEqual(['y1', 'y2', 'x3']);
    expect([0, 1, 2].map((slot) => revisitor?.items.followsAt(slot).map(([from]) => from))).toEqual([['x3'], ['y1'], ['x2', 'x1']]);
    expect(revisitor?.toJSON().session.items).toEqual(['x3']);
  });

  it('reports its size', () => {
    const s = model.stats();
    expect(s.users).toBe(state.users.size);
    expect(s.approxBytes).toBeGreaterThan(s.counterEntries * 50);
    expect(s.eventsApplied).toBe(events.length);
  });
});
