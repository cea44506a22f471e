import { describe, expect, it } from 'vitest';
import { fileSlot, type SlotEntries, slotOf, tableBytes, tableCapacity, tableIn, unfileSlot } from '../../src/model/slot-table.js';
import { SpaceSaving } from '../../src/model/space-saving.js';
import { lcg } from './helpers.js';

/** Dense slots as SpaceSaving keeps them: a removal moves the last slot into the hole. */
class DenseOwner {
  keys: number[] = [];
  constructor(readonly table: SlotEntries) {}

  add(key: number): void {
    this.keys.push(key);
    fileSlot(this.table, 1, key, this.keys.length - 1, this.keys);
  }

  remove(key: number): void {
    const s = this.slotOf(key);
    unfileSlot(this.table, 1, key, this.keys);
    const last = this.keys.length - 1;
    if (s !== last) {
      this.keys[s] = this.keys[last];
      fileSlot(this.table, 1, this.keys[s], s, this.keys);
    }
    this.keys.pop();
  }

  slotOf(key: number): number {
    return slotOf(this.table, 1, key, this.keys);
  }

  /** Entries filed in the table. */
  get filed(): number {
    let n = 0;
    for (const entry of this.table) if (entry !== 0) n++;
    return n;
  }
}

function churn(owner: DenseOwner, keyOf: (n: number) => number): void {
  const truth = new Set<number>();
  const rnd = lcg(11);
  for (let step = 0; step < 20_000; step++) {
    const key = keyOf(Math.floor(rnd() * 600));
    if (rnd() < 0.6) {
      if (!truth.has(key)) {
        owner.add(key);
        truth.add(key);
      }
    } else if (truth.has(key)) {
      owner.remove(key);
      truth.delete(key);
    }
    const s = owner.slotOf(key);
    if (truth.has(key)) expect(owner.keys[s]).toBe(key);
    else expect(s).toBe(-1);
    expect(owner.filed).toBe(truth.size);
  }
  for (let n = 0; n < 600; n++) {
    const key = keyOf(n);
    const s = owner.slotOf(key);
    expect(s >= 0 ? owner.keys[s] : null).toBe(truth.has(key) ? key : null);
    if (s >= 0) expect(s).toBeLessThan(owner.keys.length);
  }
}

describe('slot table', () => {
  it('finds every integer key at its slot through random inserts and removals of dense slots', () => {
    const capacity = tableCapacity(600);
    churn(new DenseOwner(tableIn(new ArrayBuffer(tableBytes(capacity, 600)), 0, capacity, 600)), (n) => n);
  });

  it('finds every peer of a counter set at its slot through adds, removals and growth (keys strided, the table in the columns buffer)', () => {
    const counters = new SpaceSaving(0, (peer) => `p${peer}`, 2);
    const truth = new Set<number>();
    const rnd = lcg(5);
    for (let step = 0; step < 20_000; step++) {
      const peer = Math.floor(rnd() * 600);
      if (rnd() < 0.6) {
        counters.addPeer(peer, 1, 1, peer);
        truth.add(peer);
      } else if (truth.has(peer)) {
        const s = counters.slotOfPeer(peer);
        counters.subtractAt(s, counters.countAt(s), counters.nAt(s), peer);
        truth.delete(peer);
      }
      const s = counters.slotOfPeer(peer);
      if (truth.has(peer)) expect(counters.peerAt(s)).toBe(peer);
      else expect(s).toBe(-1);
      expect(counters.size).toBe(truth.size);
    }
    for (let peer = 0; peer < 600; peer++) expect(counters.slotOfPeer(peer) >= 0).toBe(truth.has(peer));
  });

  it('keeps counters keyed by peer findable beyond 65,536 table entries (slots outgrow 16 bits)', () => {
    const counters = new SpaceSaving(0, (peer) => `i${peer / 7}`);
    const n = 70_000;
    for (let peer = 0; peer < n; peer++) counters.addPeer(peer * 7, 1, 1);
    for (let peer = n - 1; peer >= 0; peer -= 997) {
      const s = counters.slotOfPeer(peer * 7);
      expect(counters.keyAt(s)).toBe(`i${peer}`);
    }
    expect(counters.slotOfPeer(3)).toBe(-1);
  });
});
