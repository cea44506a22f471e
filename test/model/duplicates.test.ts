import { describe, expect, it } from 'vitest';
import { Recommender } from '../../src/model/index.js';
import { purchase, T0, view } from './helpers.js';

describe('duplicates', () => {
  it('ignores a repeated eventId', () => {
    const m = new Recommender();
    expect(m.learnOne(view('e1', 'u', 'a', T0)).applied).toBe(true);
    expect(m.learnOne(view('e2', 'u', 'b', T0 + 1000)).applied).toBe(true);
    const before = m.digest();
    const again = m.learnOne(view('e1', 'u', 'a', T0));
    expect(again).toEqual({ applied: false });
    expect(m.digest()).toEqual(before);
    expect(m.stats().eventsApplied).toBe(2);
  });

  it('ignores an order replayed under a new eventId, not a different order', () => {
    const m = new Recommender();
    m.learnOne(
      purchase(
        'p1',
        'u',
        T0,
        [
          ['a', 1, 10],
          ['b', 2, 5],
        ],
        'order-1',
      ),
    );
    const before = m.digest();
    expect(
      m.learnOne(
        purchase(
          'p1-retry',
          'u',
          T0,
          [
            ['b', 2, 5],
            ['a', 1, 10],
          ],
          'order-1',
        ),
      ).applied,
    ).toBe(false);
    expect(m.digest()).toEqual(before);
    expect(m.learnOne(purchase('p2', 'u', T0 + 1000, [['c', 1, 3]], 'order-2')).applied).toBe(true);
  });
});
