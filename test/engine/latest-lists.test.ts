import { describe, expect, it } from 'vitest';
import { LatestLists } from '../../src/engine/latest-lists.js';
import type { Recommendation } from '../../src/events/types.js';

function list(userId: string, generatedAt: number, items: string[]): Recommendation {
  return {
    userId,
    recommendationId: `r-${userId}-${generatedAt}`,
    generatedAt,
    triggerEventId: null,
    modelVersion: 'm-1',
    items: items.map((itemId, k) => ({ itemId, score: 1 / (k + 1), reasons: [`co-viewed:${itemId}`, 'trending'] })),
    userScores: { expectedOrderValue: 12.5 },
  };
}

// the lists' own record format does not matter to the holder: JSON stands for it here
const asBytes = (rec: Recommendation): Buffer => Buffer.from(JSON.stringify(rec));
const fromBytes = (bytes: Buffer): Recommendation | null => JSON.parse(bytes.toString('utf8')) as Recommendation;

describe('LatestLists', () => {
  it('gives back each user’s latest list from its bytes, with when it was made and its items in order', () => {
    const lists = new LatestLists(10, fromBytes);
    const first = list('u-1', 1_000, ['a', 'b']);
    const second = list('u-1', 2_000, ['c', 'a', 'd']);
    lists.set(first, asBytes(first));
    lists.set(second, asBytes(second));
    lists.set(list('u-2', 1_500, ['e']), asBytes(list('u-2', 1_500, ['e'])));
    expect(lists.get('u-1')).toEqual(second);
    expect(lists.generatedAt('u-1')).toBe(2_000);
    expect(lists.itemIds('u-1')).toEqual(['c', 'a', 'd']);
    expect(lists.get('u-2')?.items.map((i) => i.itemId)).toEqual(['e']);
    expect(lists.get('u-3')).toBeUndefined();
    expect(lists.generatedAt('u-3')).toBeUndefined();
    expect(lists.size).toBe(2);
  });

  it('holds a list without reading it, and reads it once, when its items are first asked for', () => {
    let reads = 0;
    const lists = new LatestLists(10, (bytes) => {
      reads++;
      return fromBytes(bytes);
    });
    const rec = list('u-1', 3_000, ['b', 'a']);
    const bytes = asBytes(rec);
    lists.hold('u-1', bytes, 3_000);
    bytes.fill(0);
    expect(reads).toBe(0);
    expect(lists.generatedAt('u-1')).toBe(3_000);
    expect(lists.itemIds('u-1')).toEqual(['b', 'a']);
    expect(lists.itemIds('u-1')).toEqual(['b', 'a']);
    expect(reads).toBe(1);
    expect(lists.get('u-1')).toEqual(rec);
  });

  it('holds a copy of the bytes: the record’s buffer (a slice of a shared pool) may be reused', () => {
    const lists = new LatestLists(10, fromBytes);
    const rec = list('u-1', 1_000, ['a']);
    const pool = Buffer.alloc(8192);
    const bytes = asBytes(rec);
    bytes.copy(pool, 100);
    const slice = pool.subarray(100, 100 + bytes.length);
    lists.set(rec, slice);
    pool.fill(0);
    expect(lists.get('u-1')).toEqual(rec);
  });

  it('lets the least recently written user go past its capacity, and forgets a user asked to', () => {
    const lists = new LatestLists(2, fromBytes);
    for (const [user, at] of [
      ['u-1', 1],
      ['u-2', 2],
      ['u-1', 3],
      ['u-3', 4],
    ] as const) {
      const rec = list(user, at, ['a']);
      lists.set(rec, asBytes(rec));
    }
    expect(lists.size).toBe(2);
    expect(lists.get('u-2')).toBeUndefined();
    expect(lists.generatedAt('u-1')).toBe(3);
    expect(lists.delete('u-3')).toBe(true);
    expect(lists.itemIds('u-3')).toBeUndefined();
    expect(lists.size).toBe(1);
  });

  it('answers no list when its bytes cannot be read now', () => {
    const lists = new LatestLists(10, () => null);
    const rec = list('u-1', 1_000, ['a']);
    lists.set(rec, asBytes(rec));
    expect(lists.get('u-1')).toBeUndefined();
    expect(lists.itemIds('u-1')).toEqual(['a']);
  });
});
