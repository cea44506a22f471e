import { describe, expect, it } from 'vitest';
import { PeerTable } from '../../src/model/peer-table.js';
import { lcg } from './helpers.js';

describe('PeerTable', () => {
  it('answers like a Map through random inserts, updates and deletes, across growth', () => {
    const table = new PeerTable(4);
    const truth = new Map<number, number>();
    const rnd = lcg(11);
    for (let step = 0; step < 20_000; step++) {
      const key = Math.floor(rnd() * 600);
      const r = rnd();
      if (r < 0.55) {
        const value = Math.floor(rnd() * 1000);
        table.set(key, value);
        truth.set(key, value);
      } else if (r < 0.85) {
        table.delete(key);
        truth.delete(key);
      }
      expect(table.get(key)).toBe(truth.get(key) ?? -1);
      expect(table.size).toBe(truth.size);
    }
    for (let key = 0; key < 600; key++) expect(table.get(key)).toBe(truth.get(key) ?? -1);
  });
});
