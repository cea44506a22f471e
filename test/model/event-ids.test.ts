import { describe, expect, it } from 'vitest';
import { EventIds } from '../../src/model/event-ids.js';

describe('a user’s dedup ids as 53-bit hashes', () => {
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

  it('loads a record that kept all 64 bits of each hash (an earlier version) to the same answers', () => {
    const ids = new EventIds(100);
    const given = Array.from({ length: 40 }, (_, i) => `evt-${i * 13}`);
    for (const id of given) ids.add(id);
    const bytes = Buffer.from(ids.toJSON(), 'base64');
    expect(bytes.length).toBe(40 * 8);
    // the low 11 bits of each second half, which this version does not keep
    for (let k = 0; k < 40; k++) bytes.writeUInt32LE((bytes.readUInt32LE(k * 8 + 4) | ((k * 977) & 0x7ff)) >>> 0, k * 8 + 4);
    const older = EventIds.fromJSON(100, bytes.toString('base64'));
    for (const id of given) expect(older.has(id)).toBe(true);
    expect(older.has('evt-1')).toBe(false);
    older.add(given[5]);
    expect(older.size).toBe(40);
    expect(older.toJSON()).toBe(ids.toJSON());
  });
});
