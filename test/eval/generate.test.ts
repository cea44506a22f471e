import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createShopperSimulation, eventCsvRows, generateEvents } from '../../src/eval/generate.js';
import type { TrackingEvent } from '../../src/events/types.js';
import { validateEvent } from '../../src/events/validate.js';

const take = (n: number, seed: number | string, extra: Partial<Parameters<typeof generateEvents>[0]> = {}): TrackingEvent[] => [
  ...generateEvents({ seed, users: 200, items: 300, categories: 6, events: n, ...extra }),
];

describe('synthetic shoppers', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(take(3000, 42)).toEqual(take(3000, 42));
    expect(take(3000, 'abc')).toEqual(take(3000, 'abc'));
    expect(JSON.stringify(take(500, 42))).not.toEqual(JSON.stringify(take(500, 43)));
  });

  it('emits valid tracking events with unique ids, catalogue items and non-decreasing times', () => {
    const sim = createShopperSimulation({ seed: 1, users: 50, items: 80, categories: 4, idPrefix: 'run7' });
    const ids = new Set<string>();
    let now = 1_700_000_000_000;
    for (let n = 0; n < 2000; n++) {
      const e = sim.next(now);
      expect(e.timestamp).toBe(now);
      expect(e.eventId.startsWith('run7-')).toBe(true);
      expect(ids.has(e.eventId)).toBe(false);
      ids.add(e.eventId);
      const itemIds = e.kind === 'click' ? [e.itemId] : e.items.map((l) => l.itemId);
      for (const id of itemIds) expect(sim.itemsById.has(id)).toBe(true);
      if (e.kind === 'purchase') {
        expect(e.items.length).toBeGreaterThan(0);
        for (const l of e.items) expect(l.price).toBe(sim.itemsById.get(l.itemId)!.price);
      }
      now += 1000;
    }
    expect(sim.catalog).toHaveLength(80);
    expect(new Set(sim.catalog.map((i) => i.category)).size).toBe(4);
    expect(sim.shoppers).toHaveLength(50);
    expect(sim.shoppers[0].description).toMatch(/^likes /);
  });

  it('passes the engine validation of a collector event', () => {
    for (const e of take(300, 5)) {
      const { kind, ...body } = e;
      const result = validateEvent(body, { now: e.timestamp + 1000, kind, maxFutureMs: loadConfig({}).eventMaxFutureMs });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (result.ok) expect(result.event).toMatchObject(e);
    }
  });

  it('plants taste clusters: same-category items co-occur far more than cross-category ones', () => {
    const sim = createShopperSimulation({ seed: 9, users: 400, items: 240, categories: 6, driftPerSession: 0 });
    const category = new Map(sim.catalog.map((i) => [i.itemId, i.category]));
    const byUser = new Map<string, Set<string>>();
    for (let n = 0; n < 30_000; n++) {
      const e = sim.next(n);
      if (e.kind !== 'click') continue;
      let set = byUser.get(e.userId);
      if (set === undefined) byUser.set(e.userId, (set = new Set()));
      set.add(e.itemId);
    }
    // lift = observed co-occurring users / what independent choices with the same popularity would give
    const users = new Map<string, number>();
    let same = 0;
    let cross = 0;
    for (const items of byUser.values()) {
      const list = [...items];
      for (const i of list) users.set(i, (users.get(i) ?? 0) + 1);
      for (let a = 0; a < list.length; a++) {
        for (let b = a + 1; b < list.length; b++) {
          if (category.get(list[a]) === category.get(list[b])) same++;
          else cross++;
        }
      }
    }
    const ids = [...users.keys()];
    let sameExpected = 0;
    let crossExpected = 0;
    for (let a = 0; a < ids.length; a++) {
      for (let b = a + 1; b < ids.length; b++) {
        const e = (users.get(ids[a])! * users.get(ids[b])!) / byUser.size;
        if (category.get(ids[a]) === category.get(ids[b])) sameExpected += e;
        else crossExpected += e;
      }
    }
    const sameLift = same / sameExpected;
    const crossLift = cross / crossExpected;
    expect(sameLift).toBeGreaterThan(2.5);
    expect(crossLift).toBeLessThan(1);
    expect(sameLift).toBeGreaterThan(3 * crossLift);
  });

  it('has Zipf-like popularity and a funnel that narrows from views to purchases', () => {
    const counts = new Map<string, number>();
    const types = { view: 0, click: 0, add_to_cart: 0, remove_from_cart: 0, purchase: 0 };
    for (const e of take(20_000, 3)) {
      for (const [, itemId, , type] of eventCsvRows(e)) {
        counts.set(itemId, (counts.get(itemId) ?? 0) + 1);
        types[type as keyof typeof types]++;
      }
    }
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(10 * sorted[Math.floor(sorted.length / 2)]);
    expect(types.view).toBeGreaterThan(types.click);
    expect(types.click).toBeGreaterThan(types.add_to_cart);
    expect(types.add_to_cart).toBeGreaterThan(types.purchase);
    expect(types.purchase).toBeGreaterThan(0);
    expect(types.remove_from_cart).toBeGreaterThan(0);
  });

  it('groups events into sessions of one user each', () => {
    const sessions = new Map<string, Set<string>>();
    for (const e of take(5000, 11)) {
      const set = sessions.get(e.sessionId!) ?? new Set();
      set.add(e.userId);
      sessions.set(e.sessionId!, set);
    }
    expect(sessions.size).toBeGreaterThan(100);
    expect(sessions.size).toBeLessThan(5000 / 2);
    for (const users of sessions.values()) expect(users.size).toBe(1);
  });

  it('drifts tastes over time when asked to, and keeps them without drift', () => {
    // Share of later product views outside the categories each shopper started with (no noise: a
    // shopper only ever visits the categories of their taste at the time).
    const offTaste = (driftPerSession: number): number => {
      const sim = createShopperSimulation({ seed: 2, users: 20, items: 100, categories: 8, noise: 0, driftPerSession });
      const start = new Map(sim.shoppers.map((s) => [s.userId, new Set(s.categories)]));
      for (let n = 0; n < 5000; n++) sim.next(n);
      let views = 0;
      let off = 0;
      for (let n = 0; n < 2000; n++) {
        const e = sim.next(5000 + n);
        if (e.kind !== 'click' || e.type !== 'view') continue;
        views++;
        if (!start.get(e.userId)!.has(sim.itemsById.get(e.itemId)!.category)) off++;
      }
      return off / views;
    };
    expect(offTaste(0)).toBe(0);
    expect(offTaste(1)).toBeGreaterThan(0.5);
  });
});
