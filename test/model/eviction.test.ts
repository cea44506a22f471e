import { describe, expect, it } from 'vitest';
import { fromSnapshot, type ModelState, Recommender } from '../../src/model/index.js';
import { HOUR, modelWithState, purchase, randomStream, T0, view } from './helpers.js';

/** Every reference from per-item state names a held item, through the node that holds it now. */
function expectConsistent(state: ModelState): void {
  const sim = state.similarity;
  const live = sim.nodes;
  const recency = [...sim.recency.fromOldest()];
  expect(new Set(recency)).toEqual(new Set(live.values()));
  expect(recency.length).toBe(live.size);
  for (const [id, node] of live) {
    expect(node.id).toBe(id);
    expect(sim.byIndex[node.index]).toBe(node);
    const c = node.counters;
    for (let s = 0; s < c.size; s++) {
      const peer = sim.byIndex[c.peerAt(s)];
      expect(peer?.id, `${id}: counter ${c.keyAt(s)}`).toBe(c.keyAt(s));
      expect(live.get(c.keyAt(s))).toBe(peer);
      expect(c.slotOfPeer(c.peerAt(s))).toBe(s);
    }
    expect(node.neighborIndices.length).toBeGreaterThanOrEqual(node.neighborScores.length);
    sim.neighborIds(node).forEach((other, k) => {
      // a neighbour is a live node: forgetting an item took it out of every row
      expect(live.get(other), `${id}: neighbour ${other}`).toBe(sim.byIndex[node.neighborIndices[k]]);
    });
  }
  for (const [from, t] of state.transitions.nodes) {
    expect(live.has(from), `followed-by list of ${from}`).toBe(true);
    for (let s = 0; s < t.next.size; s++) {
      const to = t.next.keyAt(s);
      expect(live.has(to), `${from} → ${to}`).toBe(true);
      if (t.next.peerAt(s) >= 0) expect(sim.byIndex[t.next.peerAt(s)].id).toBe(to);
    }
  }
  for (const id of state.trending.counts.keys()) expect(live.has(id), `trending ${id}`).toBe(true);
  for (const id of state.trending.topItems()) expect(live.has(id), `top ${id}`).toBe(true);
  for (const id of state.prices.keys()) expect(live.has(id), `price ${id}`).toBe(true);
}

describe('user and item caps', () => {
  it('keeps at most maxItems items, every reference to a forgotten item gone, indices reused', () => {
    const config = { maxItems: 60, maxCountersPerItem: 12, neighbors: 5, maxTransitionsPerItem: 6 };
    const { model, state } = modelWithState(config);
    const events = randomStream(6000, 5, 200, 400);
    events.forEach((e, k) => {
      model.learnOne(e);
      expect(state.similarity.nodes.size).toBeLessThanOrEqual(config.maxItems);
      if (k % 500 === 0) {
        model.recommend(e.userId, { limit: 10, now: e.timestamp });
        expectConsistent(state);
      }
    });
    expectConsistent(state);
    expect(model.stats().forgotten.itemsOverCap).toBeGreaterThan(400 - config.maxItems);
    // freed indices are taken again, so the per-index arrays do not grow with the ids ever seen
    expect(state.similarity.byIndex.length).toBeLessThanOrEqual(config.maxItems);
    for (let u = 0; u < 200; u += 9) {
      const items = model.recommend(`u${u}`, { limit: 10, now: events[events.length - 1].timestamp }).items;
      for (const item of items) expect(state.similarity.nodes.has(item.itemId)).toBe(true);
    }
  });

  it('forgets the least recently active item and keeps the recently active ones', () => {
    const { model, state } = modelWithState({ maxItems: 20 });
    for (let i = 0; i < 20; i++) model.learnOne(view(`e${i}`, `u${i % 4}`, `i${i}`, T0 + i * 1000));
    model.learnOne(view('again', 'u9', 'i0', T0 + 30_000));
    model.learnOne(view('new', 'u9', 'i20', T0 + 31_000));
    expect(state.similarity.nodes.has('i0')).toBe(true);
    expect(state.similarity.nodes.has('i1')).toBe(false);
    expect(state.similarity.nodes.has('i20')).toBe(true);
    expect(state.similarity.nodes.size).toBe(20);
    expect(model.similar('i5', 50).map((s) => s.itemId)).not.toContain('i1');
    expectConsistent(state);
  });

  it('a forgotten item that comes back starts without its old counts', () => {
    // one user's pair is shown here (minSupportUsers 1): the point is the counts, not the threshold
    const { model, state } = modelWithState({ maxItems: 3, minSupportUsers: 1 });
    model.learnOne(view('a1', 'u1', 'a', T0));
    model.learnOne(view('b1', 'u1', 'b', T0 + 1));
    expect(model.similar('a', 5).map((s) => s.itemId)).toEqual(['b']);
    // c, d, e push a and b out
    for (const [k, id] of ['c', 'd', 'e'].entries()) model.learnOne(view(`${id}1`, 'u2', id, T0 + 10 + k));
    expect(state.similarity.nodes.has('a')).toBe(false);
    model.learnOne(view('a2', 'u3', 'a', T0 + 20));
    expect(state.similarity.nodes.get('a')?.counters.size).toBe(0);
    expect(model.similar('a', 5)).toEqual([]);
    expectConsistent(state);
  });

  it('keeps at most maxUsers users, forgetting the least recently active', () => {
    const { model, state } = modelWithState({ maxUsers: 3 });
    model.learnOne(view('1', 'u1', 'x', T0));
    model.learnOne(view('2', 'u2', 'x', T0 + 1));
    model.learnOne(view('3', 'u3', 'x', T0 + 2));
    model.learnOne(view('4', 'u1', 'y', T0 + 3));
    model.learnOne(view('5', 'u4', 'y', T0 + 4));
    expect([...state.users.keys()].sort()).toEqual(['u1', 'u3', 'u4']);
    expect(model.stats().forgotten.usersOverCap).toBe(1);
    for (let u = 5; u < 50; u++) model.learnOne(view(`e${u}`, `u${u}`, 'x', T0 + 10 + u));
    expect(state.users.size).toBe(3);
    expect([...state.users.keys()]).toEqual(['u47', 'u48', 'u49']);
  });

  it('forgets users in least-recently-active order through touches, erasures and idle expiry', () => {
    const maxUsers = 7;
    const { model, state } = modelWithState({ maxUsers, userIdleDays: 1 });
    const order: string[] = [];
    const lastSeen = new Map<string, number>();
    const rnd = (() => {
      let s = 99;
      return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    })();
    for (let k = 0; k < 3000; k++) {
      const userId = `u${Math.floor(rnd() * 30)}`;
      const time = T0 + k * 60_000;
      model.learnOne(view(`e${k}`, userId, `i${k % 13}`, time));
      lastSeen.set(userId, time);
      const at = order.indexOf(userId);
      if (at >= 0) order.splice(at, 1);
      else if (order.length >= maxUsers) order.shift();
      order.push(userId);
      if (k % 97 === 0) {
        const erased = order[Math.floor(rnd() * order.length)];
        model.forgetUser(erased);
        order.splice(order.indexOf(erased), 1);
      }
      expect([...state.users.keys()]).toEqual(order);
    }
    // idle expiry by event time removes the quiet ones; the order of the rest is unchanged
    const last = T0 + 3000 * 60_000;
    const cutoff = last - 6 * 60_000;
    const kept = order.filter((id) => lastSeen.get(id)! >= cutoff);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(order.length);
    expect(model.expireIdle(cutoff + 86_400_000)).toBe(order.length - kept.length);
    expect([...state.users.keys()]).toEqual(kept);
    model.learnOne(view('after', 'newcomer', 'i1', last + 1));
    expect([...state.users.keys()]).toEqual([...kept, 'newcomer'].slice(-maxUsers));
  });

  it('forgets items idle for longer than itemIdleDays, and only them', () => {
    const { model, state } = modelWithState({ itemIdleDays: 1, userIdleDays: 0, minSupportUsers: 1 });
    model.learnOne(
      purchase('p', 'u1', T0, [
        ['old', 1, 5],
        ['both', 1, 3],
      ]),
    );
    model.learnOne(view('v', 'u2', 'both', T0 + 36 * HOUR));
    model.learnOne(view('w', 'u2', 'new', T0 + 36 * HOUR + 1));
    expect(
      model
        .similar('both', 5)
        .map((s) => s.itemId)
        .sort(),
    ).toEqual(['new', 'old']);
    expect(model.expireIdle(T0 + 30 * HOUR)).toBe(1);
    expect(state.similarity.nodes.has('old')).toBe(false);
    expect(model.similar('both', 5).map((s) => s.itemId)).toEqual(['new']);
    expect(state.trending.counts.has('old')).toBe(false);
    expect(state.prices.has('old')).toBe(false);
    expect(model.stats().forgotten.itemsIdle).toBe(1);
    expect(model.expireIdle(T0 + 30 * HOUR)).toBe(0);
    expectConsistent(state);
  });

  it('expiring in steps, with events learnt between them, keeps whoever is active again by the end', () => {
    const { model, state } = modelWithState({ userIdleDays: 1, itemIdleDays: 1, minSupportUsers: 1 });
    // 200 users and 150 items, all idle a day later: several steps of each
    for (let k = 0; k < 200; k++) model.learnOne(view(`e${k}`, `u${k}`, `i${k % 150}`, T0 + k));
    const now = T0 + 30 * HOUR;
    const steps = model.expireIdleSteps(now);
    expect(steps.next().done).toBe(false);
    // a user the pass has not reached yet comes back, on an item the pass has not reached either
    model.learnOne(view('back', 'u150', 'i3', now - HOUR));
    for (let k = 0; k < 3; k++) expect(steps.next().done).toBe(false);
    // an item the pass has found idle comes back before the pass forgets what it found
    expect(state.similarity.nodes.has('i10')).toBe(true);
    model.learnOne(view('again', 'newcomer', 'i10', now - HOUR));
    let last = steps.next();
    while (last.done !== true) last = steps.next();
    expect(last.value).toBe(199 + 148);
    expect([...state.users.keys()]).toEqual(['u150', 'newcomer']);
    expect([...state.similarity.nodes.keys()].sort()).toEqual(['i10', 'i3']);
    expect(model.stats().forgotten).toMatchObject({ usersIdle: 199, itemsIdle: 148 });
    expectConsistent(state);
    // the stats pass in steps says what stats() says
    const stats = model.statsSteps();
    let done = stats.next();
    while (done.done !== true) done = stats.next();
    expect(done.value).toEqual(model.stats());
  });

  it('snapshot → restore gives the same digest, answers and future learning after evictions', () => {
    const config = { maxItems: 50, maxUsers: 40, maxCountersPerItem: 15, neighbors: 6, maxTransitionsPerItem: 8, itemIdleDays: 2 };
    const events = randomStream(8000, 17, 120, 300);
    const { model: original, state: originalState } = modelWithState(config);
    for (const e of events.slice(0, 5000)) original.learnOne(e);
    const now = events[4999].timestamp;
    for (let u = 0; u < 120; u += 3) original.recommend(`u${u}`, { limit: 10, now });
    expect(original.stats().forgotten.itemsOverCap).toBeGreaterThan(0);
    expect(original.stats().forgotten.usersOverCap).toBeGreaterThan(0);

    const restoredState = fromSnapshot(JSON.parse(JSON.stringify(original.snapshot())));
    const restored = new Recommender(restoredState);
    expect(restored.digest()).toEqual(original.digest());
    expect(restored.stats()).toEqual(original.stats());
    for (let u = 0; u < 120; u += 2) {
      expect(restored.recommend(`u${u}`, { limit: 10, now })).toEqual(original.recommend(`u${u}`, { limit: 10, now }));
    }
    const forgottenBefore = original.stats().forgotten.itemsOverCap;
    events.slice(5000).forEach((e, k) => {
      expect(restored.learnOne(e)).toEqual(original.learnOne(e));
      if (k % 1000 === 999) expect(restored.expireIdle(e.timestamp)).toBe(original.expireIdle(e.timestamp));
    });
    // the restored model forgets the same items in the same order as the original
    expect(original.stats().forgotten.itemsOverCap).toBeGreaterThan(forgottenBefore);
    expect(restored.digest()).toEqual(original.digest());
    expect(restored.stats()).toEqual(original.stats());
    expectConsistent(originalState);
    expectConsistent(restoredState);
  });
});
