import { describe, expect, it } from 'vitest';
import { DistinctUsers } from '../../src/model/distinct-users.js';
import { SpaceSaving } from '../../src/model/index.js';

describe('distinct users behind a counter', () => {
  it('counts each user once, up to one beyond the threshold', () => {
    const d = new DistinctUsers(2, 1);
    for (let k = 0; k < 5; k++) d.note(0, 11);
    expect([d.count(0), d.supported(0)]).toEqual([1, false]);
    d.note(0, 22);
    d.note(0, 11);
    expect([d.count(0), d.supported(0)]).toEqual([2, true]);
    d.note(0, 33);
    d.note(0, 44);
    expect(d.toJSON(0)).toEqual([3, 11, 22]);
  });

  it('after erasing one user, is supported exactly when the users left reach the threshold', () => {
    // two users: erasing either leaves one
    for (const erased of [11, 22]) {
      const d = new DistinctUsers(2, 1);
      d.note(0, 11);
      d.note(0, 22);
      d.forget(0, erased);
      expect([d.count(0), d.supported(0)]).toEqual([1, false]);
      // the one left adding again is no new user
      d.note(0, erased === 11 ? 22 : 11);
      expect(d.supported(0)).toBe(false);
    }
    // three users (one beyond the witnesses): erasing any leaves two
    for (const erased of [11, 22, 33]) {
      const d = new DistinctUsers(2, 1);
      for (const u of [11, 22, 33]) d.note(0, u);
      d.forget(0, erased);
      expect([d.count(0), d.supported(0)]).toEqual([2, true]);
    }
  });

  it('moves with its counter and survives JSON inside Space-Saving', () => {
    const names = ['a', 'b'];
    const peers = { peerOf: (key: string) => names.indexOf(key), names: (peer: number) => names[peer] };
    const ss = new SpaceSaving(0, peers.names, 2);
    ss.addPeer(0, 1, 1, 11);
    ss.addPeer(1, 1, 1, 11);
    ss.addPeer(1, 1, 1, 22);
    // a gets out of the way: b moves into its slot with its witnesses
    ss.subtractAt(ss.slotOfPeer(0), 1, 1, 11);
    expect(ss.slotOfPeer(1)).toBe(0);
    expect(ss.get('b')!.users).toBe(2);
    expect(ss.supported(ss.slotOf('b'))).toBe(true);
    const back = SpaceSaving.fromStored(0, JSON.parse(JSON.stringify(ss.toJSON())) as never, peers, 2);
    expect(back.get('b')!.users).toBe(2);
    back.subtractAt(back.slotOfPeer(1), 1, 1, 22);
    expect(back.supported(back.slotOf('b'))).toBe(false);
  });
});
