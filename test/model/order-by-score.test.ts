import { describe, expect, it } from 'vitest';
import { orderByScore } from '../../src/model/order-by-score.js';
import { lcg } from './helpers.js';

describe('ordering positions by score', () => {
  it('puts the highest scores first and equal scores by id, as a sort of the pairs does', () => {
    const rnd = lcg(11);
    for (const n of [0, 1, 2, 7, 50, 300]) {
      // few distinct scores, so many ties for the ids to order
      const score = Float64Array.from({ length: n }, () => Math.floor(rnd() * 6) / 4);
      const ids = Array.from({ length: n }, (_, k) => `item-${(k * 7919) % 1000}`);
      const order = Int32Array.from({ length: n + 3 }, (_, k) => (k < n ? k : -1));
      orderByScore(order, n, score, (k) => ids[k]);
      const expected = [...Array(n).keys()].sort((x, y) => score[y] - score[x] || (ids[x] < ids[y] ? -1 : 1));
      expect([...order.subarray(0, n)]).toEqual(expected);
      // positions past n are not touched
      expect([...order.subarray(n)]).toEqual([-1, -1, -1]);
    }
  });
});
