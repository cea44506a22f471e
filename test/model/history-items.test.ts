import { describe, expect, it } from 'vitest';
import { type HistoryEntry, newEntry } from '../../src/model/history-entry.js';
import { HistoryItems } from '../../src/model/history-items.js';
import { lcg } from './helpers.js';

const entry = (itemId: string): HistoryEntry => newEntry(itemId, 1, 0, 'view');

describe('HistoryItems', () => {
  it('reads like a Map whose re-set keys move to the end, through random touches and deletions', () => {
    const items = new HistoryItems();
    const truth = new Map<string, HistoryEntry>();
    const rnd = lcg(5);
    for (let step = 0; step < 5_000; step++) {
      const id = `i${Math.floor(rnd() * 40)}`;
      if (rnd() < 0.7) {
        const e = entry(id);
        items.set(id, e);
        truth.delete(id);
        truth.set(id, e);
      } else {
        expect(items.delete(id)).toBe(truth.delete(id));
      }
      expect(items.size).toBe(truth.size);
      expect(items.get(id)).toBe(truth.get(id));
      expect(items.has(id)).toBe(truth.has(id));
    }
    expect([...items.keys()]).toEqual([...truth.keys()]);
    expect([...items.values()]).toEqual([...truth.values()]);
    expect([...items]).toEqual([...truth]);
    expect(items.oldest()).toBe(truth.values().next().value);
  });
});
