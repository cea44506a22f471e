import { describe, expect, it } from 'vitest';
import { PeerTable } from '../../src/model/peer-table.js';
import { SpaceSaving } from '../../src/model/space-saving.js';
import { lcg } from './helpers.js';

/** Dense slots as SpaceSaving keeps them: a removal moves the last slot into the hole. */
class DenseOwner {
  peers = new Int32Array(4);
  size = 0;
  readonly table = new PeerTable(4);

  add(key: number): void {
    if (this.size === this.peers.length) {
      const grown = new Int32Array(this.peers.length * 2);
      grown.set(this.peers);
      this.peers = grown;
    }
    this.peers[this.size] = key;
    this.table.set(key, this.size, this.peers);
    this.size++;
  }

  remove(key: number): void {
    const s = this.table.get(key, this.peers);
    this.table.delete(key, this.peers);
    const last = this.size - 1;
    if (s !== last) {
      this.peers[s] = this.peers[last];
      this.table.set(this.peers[s], s, this.peers);
    }
    this.size--;
  }
}

describe('PeerTable', () => {
  it('finds every key at its slot through random inserts and removals of dense slots, across growth', () => {
    const owner = new DenseOwner();
    const truth = new Set<number>();
    const rnd = lcg(11);
    for (let step = 0; step < 20_000; step++) {
      const key = Math.floor(rnd() * 600);
      if (rnd() < 0.6) {
        if (!truth.has(key)) {
          owner.add(key);
          truth.add(key);
        }
      } else if (truth.has(key)) {
        owner.remove(key);
        truth.delete(key);
      }
      const s = owner.table.get(key, owner.peers);
      if (truth.has(key)) expect(owner.peers[s]).toBe(key);
      else expect(s).toBe(-1);
      expect(owner.table.size).toBe(truth.size);
    }
    for (let key = 0; key < 600; key++) {
      const s = owner.table.get(key, owner.peers);
      expect(s >= 0 ? owner.peers[s] : -1).toBe(truth.has(key) ? key : -1);
      if (s >= 0) expect(s).toBeLessThan(owner.size);
    }
  });

  it('keeps counters keyed by peer findable beyond 65,536 table entries (slots outgrow 16 bits)', () => {
    const counters = new SpaceSaving(0, true);
    const n = 70_000;
    for (let peer = 0; peer < n; peer++) counters.addPeer(peer * 7, `i${peer}`, 1, 1);
    for (let peer = n - 1; peer >= 0; peer -= 997) {
      const s = counters.slotOfPeer(peer * 7);
      expect(counters.keys[s]).toBe(`i${peer}`);
    }
    expect(counters.slotOfPeer(3)).toBe(-1);
  });
});
