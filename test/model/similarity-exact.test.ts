import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../../src/events/types.js';
import { Recommender } from '../../src/model/index.js';
import { randomStream } from './helpers.js';

const WEIGHTS = { view: 1, click: 2, add_to_cart: 4, remove_from_cart: 0.5, purchase: 8 };

/**
 * Exact cosine from scratch: r_ui = the largest weight among u's events on i (a user's weight on an
 * item is their strongest interaction, not a count of repeats, so repeating an event adds nothing).
 */
function batchCosine(events: TrackingEvent[]): Map<string, Map<string, number>> {
  const r = new Map<string, Map<string, number>>();
  const add = (u: string, i: string, w: number): void => {
    let row = r.get(u);
    if (!row) r.set(u, (row = new Map()));
    row.set(i, Math.max(row.get(i) ?? 0, w));
  };
  for (const e of events) {
    if (e.kind === 'click') add(e.userId, e.itemId, WEIGHTS[e.type]);
    else for (const l of e.items) add(e.userId, l.itemId, WEIGHTS.purchase);
  }
  const norm = new Map<string, number>();
  const dot = new Map<string, Map<string, number>>();
  for (const row of r.values()) {
    for (const [i, ri] of row) {
      norm.set(i, (norm.get(i) ?? 0) + ri * ri);
      for (const [j, rj] of row) {
        if (i === j) continue;
        let d = dot.get(i);
        if (!d) dot.set(i, (d = new Map()));
        d.set(j, (d.get(j) ?? 0) + ri * rj);
      }
    }
  }
  const sim = new Map<string, Map<string, number>>();
  for (const [i, d] of dot) {
    const row = new Map<string, number>();
    for (const [j, v] of d) row.set(j, v / Math.sqrt(norm.get(i)! * norm.get(j)!));
    sim.set(i, row);
  }
  return sim;
}

describe('item–item similarity', () => {
  it('equals exact batch cosine with decay, caps, shrinkage and the support threshold off', () => {
    const events = randomStream(3000, 7);
    const model = new Recommender({
      halfLifeHours: 0,
      historyLength: 0,
      maxCountersPerItem: 0,
      shrinkage: 0,
      minSupportUsers: 1,
      neighbors: 1000,
      weights: WEIGHTS,
    });
    for (const e of events) model.learnOne(e);
    const expected = batchCosine(events);
    let compared = 0;
    for (const [i, row] of expected) {
      const got = model.similar(i, 1000);
      expect(got.length).toBe(row.size);
      for (const s of got) {
        expect(Math.abs(s.score - row.get(s.itemId)!)).toBeLessThan(1e-9);
        compared++;
      }
      for (let k = 1; k < got.length; k++) expect(got[k - 1].score).toBeGreaterThanOrEqual(got[k].score);
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('shrinks rare pairs more than well-supported ones', () => {
    const model = new Recommender({ halfLifeHours: 0, shrinkage: 5, minSupportUsers: 1 });
    const t = Date.UTC(2026, 0, 1);
    // a–b seen together by 10 users, a–c by one user with identical per-user pattern
    for (let u = 0; u < 10; u++) {
      model.learnOne({ kind: 'click', eventId: `a${u}`, userId: `u${u}`, itemId: 'a', type: 'view', timestamp: t });
      model.learnOne({ kind: 'click', eventId: `b${u}`, userId: `u${u}`, itemId: 'b', type: 'view', timestamp: t });
    }
    model.learnOne({ kind: 'click', eventId: 'c', userId: 'u0', itemId: 'c', type: 'view', timestamp: t });
    const sims = new Map(model.similar('a', 10).map((s) => [s.itemId, s.score]));
    // unshrunk: sim(a,b) = 1, sim(a,c) = 1/sqrt(10); shrunk by 10/15 and 1/6
    expect(sims.get('b')).toBeCloseTo(10 / 15, 9);
    expect(sims.get('c')).toBeCloseTo((1 / Math.sqrt(10)) * (1 / 6), 9);
  });
});
