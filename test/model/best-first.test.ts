import { describe, expect, it } from 'vitest';
import { bestFirst } from '../../src/model/best-first.js';
import { lcg } from './helpers.js';

/** What recommend did before: every place sorted by score, highest first, ties in place order, cut. */
function bySort(scores: Float64Array, n: number, limit: number): number[] {
  const places = Array.from({ length: n }, (_, k) => k);
  places.sort((a, b) => scores[b] - scores[a] || a - b);
  return places.slice(0, limit);
}

describe('bestFirst', () => {
  it('keeps what a stable sort by score cut at the limit keeps, ties in place order', () => {
    const next = lcg(7);
    for (let round = 0; round < 500; round++) {
      const n = Math.floor(next() * 40);
      // few distinct values, so ties are common; some negative
      const scores = Float64Array.from({ length: n + 3 }, () => Math.floor(next() * 6) - 2 + (next() < 0.3 ? next() : 0));
      const limit = Math.floor(next() * (n + 3));
      expect(bestFirst(scores, n, limit), `round ${round}`).toEqual(bySort(scores, n, limit));
    }
  });

  it('reads only the first n scores and gives nothing for a limit of 0', () => {
    const scores = Float64Array.of(1, 5, 3, 9, 9);
    expect(bestFirst(scores, 3, 10)).toEqual([1, 2, 0]);
    expect(bestFirst(scores, 5, 2)).toEqual([3, 4]);
    expect(bestFirst(scores, 5, 0)).toEqual([]);
  });
});
