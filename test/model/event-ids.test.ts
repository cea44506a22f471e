import { describe, expect, it } from 'vitest';
import { eventIds } from '../../src/model/event-ids.js';
import { HistoryItems } from '../../src/model/history-items.js';
import { ItemIds } from '../../src/model/item-ids.js';

/** A history whose head is one number before the keys: the keys' count. */
function host(): HistoryItems {
  return new HistoryItems({ itemIds: new ItemIds() }, 1);
}

describe('a user’s dedup ids as 53-bit hashes', () => {
  it('knows the ids it was given, once each, and keeps at least the newest `limit` of them', () => {
    const ids = host();
    for (let i = 0; i < 130; i++) eventIds.add(ids, 0, 50, `evt-${i}`);
    eventIds.add(ids, 0, 50, 'evt-129');
    expect(eventIds.size(ids, 0)).toBeLessThanOrEqual(100);
    expect(eventIds.size(ids, 0)).toBeGreaterThanOrEqual(50);
    expect(ids.headSize).toBeLessThanOrEqual(1 + 101);
    for (let i = 80; i < 130; i++) expect(eventIds.has(ids, 0, `evt-${i}`)).toBe(true);
    expect(eventIds.has(ids, 0, 'evt-0')).toBe(false);
    expect(eventIds.has(ids, 0, 'evt-130')).toBe(false);
  });

  it('round-trips through its JSON form with the same answers', () => {
    const ids = host();
    const given = Array.from({ length: 37 }, (_, i) => `order:${i}:sku-${i * 7}`);
    for (const id of given) eventIds.add(ids, 0, 200, id);
    const back = host();
    eventIds.load(back, 0, JSON.parse(JSON.stringify(eventIds.toJSON(ids, 0))));
    expect(eventIds.size(back, 0)).toBe(37);
    for (const id of given) expect(eventIds.has(back, 0, id)).toBe(true);
    expect(eventIds.has(back, 0, 'order:37:sku-259')).toBe(false);
    eventIds.add(back, 0, 200, 'late');
    expect(eventIds.has(back, 0, 'late')).toBe(true);
  });

  it('loads a record that kept all 64 bits of each hash (an earlier version) to the same answers', () => {
    const ids = host();
    const given = Array.from({ length: 40 }, (_, i) => `evt-${i * 13}`);
    for (const id of given) eventIds.add(ids, 0, 100, id);
    const bytes = Buffer.from(eventIds.toJSON(ids, 0), 'base64');
    expect(bytes.length).toBe(40 * 8);
    // the low 11 bits of each second half, which this version does not keep
    for (let k = 0; k < 40; k++) bytes.writeUInt32LE((bytes.readUInt32LE(k * 8 + 4) | ((k * 977) & 0x7ff)) >>> 0, k * 8 + 4);
    const older = host();
    eventIds.load(older, 0, bytes.toString('base64'));
    for (const id of given) expect(eventIds.has(older, 0, id)).toBe(true);
    expect(eventIds.has(older, 0, 'evt-1')).toBe(false);
    eventIds.add(older, 0, 100, given[5]);
    expect(eventIds.size(older, 0)).toBe(40);
    expect(eventIds.toJSON(older, 0)).toBe(eventIds.toJSON(ids, 0));
  });

  it('keeps more ids than the limit allows when a record holds them, and drops to the limit at the next one', () => {
    const ids = host();
    for (let i = 0; i < 30; i++) eventIds.add(ids, 0, 100, `evt-${i}`);
    const fewer = host();
    eventIds.load(fewer, 0, eventIds.toJSON(ids, 0));
    expect(eventIds.size(fewer, 0)).toBe(30);
    eventIds.add(fewer, 0, 10, 'evt-30');
    expect(eventIds.size(fewer, 0)).toBe(10);
    for (let i = 21; i <= 30; i++) expect(eventIds.has(fewer, 0, `evt-${i}`)).toBe(true);
    expect(eventIds.has(fewer, 0, 'evt-20')).toBe(false);
  });

  it('grows among a history’s numbers without moving the slots’ or the numbers in front', () => {
    const items = new HistoryItems({ itemIds: new ItemIds() }, 3);
    items.setNumber(0, 7.5);
    items.setNumber(1, -2);
    for (let i = 0; i < 25; i++) items.touchItem(`item-${i}`, i + 0.25, 'view', 20);
    const before = Array.from({ length: items.size }, (_, k) => [items.idAt(k), items.weightAt(k), items.flagsAt(k)]);
    for (let i = 0; i < 60; i++) eventIds.add(items, 2, 200, `evt-${i}`);
    expect(eventIds.size(items, 2)).toBe(60);
    expect(items.numberAt(0)).toBe(7.5);
    expect(items.numberAt(1)).toBe(-2);
    expect(Array.from({ length: items.size }, (_, k) => [items.idAt(k), items.weightAt(k), items.flagsAt(k)])).toEqual(before);
    items.touchItem('item-new', 1, 'add_to_cart', 20);
    expect(items.ids().slice(-2)).toEqual(['item-24', 'item-new']);
    for (let i = 0; i < 60; i++) expect(eventIds.has(items, 2, `evt-${i}`)).toBe(true);
  });
});
