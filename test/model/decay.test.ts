import { describe, expect, it } from 'vitest';
import { ForwardDecay, Recommender, Trending } from '../../src/model/index.js';
import { HOUR, T0, view } from './helpers.js';

describe('forward decay', () => {
  it('a weight stored at t is worth half one half-life later', () => {
    const d = new ForwardDecay(10);
    const stored = 3 * d.scale(T0);
    expect(stored * d.valueFactor(T0 + 10 * HOUR)).toBeCloseTo(1.5, 12);
    expect(d.scale(T0 + 10 * HOUR) / d.scale(T0)).toBeCloseTo(2, 12);
  });

  it('renormalising moves the landmark without changing ratios', () => {
    const d = new ForwardDecay(1);
    const a = d.scale(T0);
    const b = d.scale(T0 + 200 * HOUR);
    const factor = d.renormaliseAt(T0 + 200 * HOUR);
    expect(factor).not.toBeNull();
    expect(d.t0).toBe(T0 + 200 * HOUR);
    expect((b * factor!) / (a * factor!)).toBeCloseTo(b / a, 6);
    expect(b * factor!).toBeCloseTo(1, 12);
  });

  it('trending counts halve per trending half-life', () => {
    const t = new Trending(24);
    t.add('x', 4, T0);
    expect(t.value('x', T0)).toBeCloseTo(4, 12);
    expect(t.value('x', T0 + 24 * HOUR)).toBeCloseTo(2, 12);
    expect(t.value('x', T0 + 48 * HOUR)).toBeCloseTo(1, 12);
    expect(t.total('x')).toBe(1);
  });

  it('in the model, a pair seen one half-life ago counts half as much as a fresh one', () => {
    const m = new Recommender({ halfLifeHours: 5, shrinkage: 0, minSupportUsers: 1 });
    // u1 co-views a,b at T0; u2 co-views a,c one half-life later; equal weights otherwise
    m.learnOne(view('1', 'u1', 'a', T0));
    m.learnOne(view('2', 'u1', 'b', T0));
    m.learnOne(view('3', 'u2', 'a', T0 + 5 * HOUR));
    m.learnOne(view('4', 'u2', 'c', T0 + 5 * HOUR));
    const sims = new Map(m.similar('a', 10).map((s) => [s.itemId, s.score]));
    // r_u1 = 1 (decayed ×½ relative to u2's 1): dot(a,b)=¼·… cosine(a,b) = ½²/(‖a‖·½), cosine(a,c) = 1/(‖a‖·1)
    expect(sims.get('b')! / sims.get('c')!).toBeCloseTo(0.5, 9);
  });

  it('survives a landmark renormalisation with the same similarities', () => {
    const a = new Recommender({ halfLifeHours: 1, shrinkage: 0, minSupportUsers: 1 });
    const events = [
      view('1', 'u1', 'a', T0),
      view('2', 'u1', 'b', T0),
      view('3', 'u2', 'a', T0 + 300 * HOUR),
      view('4', 'u2', 'c', T0 + 300 * HOUR),
      view('5', 'u2', 'b', T0 + 300 * HOUR),
    ];
    for (const e of events) a.learnOne(e);
    const sims = a.similar('a', 10);
    expect(sims.map((s) => s.itemId)).toEqual(['b', 'c']);
    for (const s of sims) expect(Number.isFinite(s.score) && s.score > 0).toBe(true);
  });
});
