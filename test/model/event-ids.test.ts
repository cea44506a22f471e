import { describe, expect, it } from 'vitest';
import { EventIds } from '../../src/model/event-ids.js';

describe('a user’s dedup ids as 64-bit hashes', () => {
  it('knows the ids it was given, once each, and keeps at least the newest `limit` of them', () => {
    const ids = new EventIds(50);
    for (let i = 0; i < 130; i++) ids.add(`evt-${i}`);
    ids.add('evt-129');
    expect(ids.size).toBeLessThanOrEqual(100);
    expect(ids.size).toBeGreaterThanOrEqual(50);
    for (let i = 80; i < 130; i++) expect(ids.has(`evt-${i}`)).toBe(true);
    expect(ids.has('evt-0')).toBe(false);
    expect(ids.has('evt-130')).toBe(false);
  });

  it('round-trips through its JSON form with the same answers', () => {
    const ids = new EventIds(200);
    const given = Array.from({ length: 37 }, (_, i) => `order:${i}:sku-${i * 7}`);
    for (const id of given) ids.add(id);
    const back = EventIds.fromJSON(200, JSON.parse(JSON.stringify(ids.toJSON())));
    expect(back.size).toBe(37);
    for (const id of given) expect(back.has(id)).toBe(true);
    expect(back.has('order:37:sku-259')).toBe(false);
    back.add('late');
    expect(back.has('late')).toBe(true);
  });
});
