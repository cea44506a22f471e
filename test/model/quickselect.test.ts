import { describe, expect, it } from 'vitest';
import { kthLargest, kthSmallest } from '../../src/model/quickselect.js';
import { lcg } from './helpers.js';

describe('quickselect', () => {
  it('finds the k-th largest and k-th smallest value as a sort does, ties included', () => {
    const rnd = lcg(5);
    for (let n = 1; n < 60; n += 3) {
      // few distinct values, so ties are common
      const values = Array.from({ length: n }, () => Math.floor(rnd() * 7) / 2);
      const ascending = [...values].sort((a, b) => a - b);
      for (let k = 1; k <= n; k++) {
        expect(kthSmallest(Float64Array.from(values), k)).toBe(ascending[k - 1]);
        expect(kthLargest(Float64Array.from(values), k)).toBe(ascending[n - k]);
      }
    }
  });
});
