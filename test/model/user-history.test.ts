import { describe, expect, it } from 'vitest';
import { isInCart, lastTypeOf, wasPurchased } from '../../src/model/history-entry.js';
import { SESSION_GAP_MS, UserHistory } from '../../src/model/index.js';
import { userContext } from '../../src/model/user-history.js';
import { T0 } from './helpers.js';

describe('user history', () => {
  it('keeps the most recent distinct items, moving a re-touched item to the front', () => {
    const h = new UserHistory(userContext(3, 10));
    h.touch('a', 1, 'view');
    h.touch('b', 1, 'view');
    h.touch('c', 1, 'view');
    h.touch('a', 2, 'add_to_cart');
    h.touch('d', 1, 'view');
    expect(h.items.ids()).toEqual(['c', 'a', 'd']);
    const state = () => {
      const flags = h.items.flagsAt(h.items.find('a'));
      return [lastTypeOf(flags), isInCart(flags), wasPurchased(flags)];
    };
    const a = h.items.find('a');
    expect(h.items.weightAt(a)).toBe(3);
    expect(state()).toEqual(['add_to_cart', true, false]);
    h.touch('a', 1, 'purchase');
    expect(state()).toEqual(['purchase', false, true]);
    h.touch('a', 1, 'add_to_cart');
    h.touch('a', 1, 'view');
    expect(state()).toEqual(['view', true, true]);
    h.touch('a', 1, 'remove_from_cart');
    expect(state()).toEqual(['remove_from_cart', false, true]);
  });

  it('remembers at least the last dedupLength ids and forgets much older ones', () => {
    const h = new UserHistory(userContext(0, 5));
    for (let k = 0; k < 40; k++) h.rememberId(`e${k}`);
    for (let k = 35; k < 40; k++) expect(h.hasId(`e${k}`)).toBe(true);
    expect(h.hasId('e0')).toBe(false);
    expect(h.dedupSize).toBeLessThanOrEqual(10);
  });

  it('splits sessions by sessionId, or by an idle gap without one', () => {
    const h = new UserHistory(userContext(0, 10));
    expect(h.advanceSession('s1', T0)).toEqual([]);
    h.addToSession('a');
    h.advanceSession('s1', T0 + 1);
    h.addToSession('b');
    expect(h.advanceSession('s1', T0 + 2)).toEqual(['b', 'a']);
    expect(h.advanceSession('s2', T0 + 3)).toEqual([]);
    h.addToSession('c');
    h.advanceSession(null, T0 + 4);
    h.addToSession('d');
    expect(h.advanceSession(null, T0 + 5)).toEqual(['d']);
    expect(h.advanceSession(null, T0 + 5 + SESSION_GAP_MS + 1)).toEqual([]);
  });

  it("keeps a session's last five distinct items, an item seen again becoming the latest", () => {
    const h = new UserHistory(userContext(3, 10));
    h.advanceSession('s', T0);
    for (const item of ['a', 'b', 'c', 'b', 'd', 'e', 'f', 'g', 'd']) h.addToSession(item);
    // a history shorter than the session does not bound it, and the session survives a round trip
    for (const item of ['x', 'y', 'z', 'w']) h.touch(item, 1, 'view');
    expect(h.advanceSession('s', T0 + 1)).toEqual(['d', 'g', 'f', 'e', 'b']);
    expect(UserHistory.fromJSON(userContext(3, 10), JSON.parse(JSON.stringify(h.toJSON()))).advanceSession('s', T0 + 2)).toEqual([
      'd',
      'g',
      'f',
      'e',
      'b',
    ]);
  });

  it('round-trips through JSON', () => {
    const h = new UserHistory(userContext(4, 3));
    h.touch('a', 1.5, 'view');
    h.markPurchased('a', T0);
    h.rememberId('e1');
    h.rfm = { orders: 2, totalValue: 30, lastOrderTime: T0, lastOrderValue: 10 };
    const back = UserHistory.fromJSON(userContext(4, 3), JSON.parse(JSON.stringify(h.toJSON())));
    expect(back.toJSON()).toEqual(h.toJSON());
    expect(back.hasId('e1')).toBe(true);
  });
});
