import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/events/types.js';
import { firstFlags, flagsAfter } from '../../src/model/history-entry.js';
import { HistoryItems, MAX_FOLLOWS_PER_ENTRY } from '../../src/model/history-items.js';
import { ItemIds } from '../../src/model/item-ids.js';
import { lcg } from './helpers.js';

interface Truth {
  weight: number;
  flags: number;
  trendMinute: number;
  follows: Array<[string, number]>;
}

/** The reference: a Map whose re-set keys move to the end, holding one object per entry. */
function touchTruth(truth: Map<string, Truth>, id: string, delta: number, type: (typeof EVENT_TYPES)[number], limit: number): void {
  const old = truth.get(id);
  truth.delete(id);
  if (old !== undefined) {
    truth.set(id, { ...old, weight: old.weight + delta, flags: flagsAfter(old.flags, type) });
    return;
  }
  truth.set(id, { weight: delta, flags: firstFlags(type), trendMinute: 0, follows: [] });
  while (truth.size > limit) truth.delete(truth.keys().next().value as string);
}

function followTruth(entry: Truth, from: string, minute: number): void {
  const at = entry.follows.findIndex(([f]) => f === from);
  if (at >= 0) entry.follows[at] = [from, minute];
  else {
    entry.follows.push([from, minute]);
    // the oldest after the first goes
    if (entry.follows.length > MAX_FOLLOWS_PER_ENTRY) entry.follows.splice(1, 1);
  }
}

describe('HistoryItems', () => {
  it('holds what a Map of entry objects would, through random touches, evictions, trending and followed-by minutes', () => {
    const limit = 12;
    const items = new HistoryItems({ itemIds: new ItemIds() });
    const truth = new Map<string, Truth>();
    const rnd = lcg(9);
    for (let step = 0; step < 20_000; step++) {
      const id = `i${Math.floor(rnd() * 16)}`;
      const r = rnd();
      if (r < 0.6) {
        const type = EVENT_TYPES[Math.floor(rnd() * EVENT_TYPES.length)];
        const delta = Math.floor(rnd() * 4) / 2;
        const slot = items.touchItem(id, delta, type, limit);
        touchTruth(truth, id, delta, type, limit);
        expect(slot).toBe(items.size - 1);
        expect(items.idAt(slot)).toBe(id);
      } else if (truth.has(id)) {
        const slot = items.find(id);
        const entry = truth.get(id) as Truth;
        // mostly near one another; now and then years apart (a source's minute then kept apart from the trend minute's)
        const minute = rnd() < 0.1 ? 1_000_000 + Math.floor(rnd() * 60_000_000) : 28_000_000 + Math.floor(rnd() * 100);
        if (r < 0.75) {
          items.setTrendMinute(slot, minute);
          entry.trendMinute = minute;
        } else {
          const from = `i${Math.floor(rnd() * 12)}`;
          items.setFollowMinute(slot, from, minute);
          followTruth(entry, from, minute);
          expect(items.followMinute(slot, from)).toBe(minute);
        }
      } else {
        expect(items.find(id)).toBe(-1);
        expect(items.has(id)).toBe(false);
      }
      expect(items.size).toBe(truth.size);
    }
    expect(items.ids()).toEqual([...truth.keys()]);
    for (const [id, entry] of truth) {
      const slot = items.find(id);
      expect({
        weight: items.weightAt(slot),
        flags: items.flagsAt(slot),
        trendMinute: items.trendMinuteAt(slot),
        follows: items.followsAt(slot),
      }).toEqual(entry);
      expect(items.followMinute(slot, 'nobody')).toBe(-1);
    }
    // the bound on sources, for certain: the first stays, then the newest
    const one = new HistoryItems({ itemIds: new ItemIds() });
    const slot = one.touchItem('x', 1, 'view', 0);
    for (let k = 0; k < MAX_FOLLOWS_PER_ENTRY + 2; k++) one.setFollowMinute(slot, `f${k}`, 100 + k);
    const kept = [0, ...Array.from({ length: MAX_FOLLOWS_PER_ENTRY - 1 }, (_, k) => k + 3)];
    expect(one.followsAt(slot)).toEqual(kept.map((k) => [`f${k}`, 100 + k]));
  });

  it('keeps a source minute exactly at any distance from the trend minute, as the trend minute moves', () => {
    const items = new HistoryItems({ itemIds: new ItemIds() });
    const slot = items.touchItem('x', 1, 'view', 0);
    const trend = 28_000_000;
    items.setTrendMinute(slot, trend);
    for (const minute of [trend, trend + 2 ** 21 - 1, trend + 2 ** 21, trend - 2 ** 21 + 1, trend - 2 ** 21, 0, 2 ** 26 - 1]) {
      items.setFollowMinute(slot, 'a', minute);
      expect(items.followMinute(slot, 'a')).toBe(minute);
      for (const moved of [trend + 2 ** 22, trend]) {
        items.setTrendMinute(slot, moved);
        expect([items.trendMinuteAt(slot), items.followMinute(slot, 'a'), items.flagsAt(slot)]).toEqual([
          moved,
          minute,
          firstFlags('view'),
        ]);
      }
    }
    items.touchItem('x', 1, 'add_to_cart', 0);
    expect([items.followsAt(slot), items.trendMinuteAt(slot), items.flagsAt(slot)]).toEqual([
      [['a', 2 ** 26 - 1]],
      trend,
      flagsAfter(firstFlags('view'), 'add_to_cart'),
    ]);
  });

  it("keeps its owner's numbers in front of the slots through growth, moves, evictions and scaling", () => {
    const items = new HistoryItems({ itemIds: new ItemIds() }, 3);
    expect([items.numberAt(0), items.numberAt(1), items.numberAt(2)]).toEqual([0, 0, 0]);
    items.setNumber(0, 1.5);
    items.setNumber(2, -7);
    for (let k = 0; k < 40; k++) items.touchItem(`i${k % 13}`, 1, 'view', 10);
    items.scaleWeights(0.5);
    expect([items.numberAt(0), items.numberAt(1), items.numberAt(2)]).toEqual([1.5, 0, -7]);
    expect(items.size).toBe(10);
    expect(items.weightAt(items.size - 1)).toBe(0.5);
  });

  it('scales weights, and loads entries back in their order', () => {
    const items = new HistoryItems({ itemIds: new ItemIds() });
    items.touchItem('a', 2, 'view', 0);
    items.touchItem('b', 4, 'add_to_cart', 0);
    items.setFollowMinute(1, 'a', 7);
    items.scaleWeights(0.5);
    const copy = new HistoryItems({ itemIds: new ItemIds() });
    for (let k = 0; k < items.size; k++) {
      copy.load(items.idAt(k), items.weightAt(k), items.flagsAt(k), items.trendMinuteAt(k), items.followsAt(k));
    }
    expect(copy.ids()).toEqual(['a', 'b']);
    expect([copy.weightAt(0), copy.weightAt(1), copy.flagsAt(1)]).toEqual([1, 2, firstFlags('add_to_cart')]);
    expect(copy.followsAt(1)).toEqual([['a', 7]]);
  });
});
