import { describe, expect, it } from 'vitest';
import { SlotTable } from '../../src/model/slot-table.js';
import { SpaceSaving } from '../../src/model/space-saving.js';
import { lcg } from './helpers.js';

/** Dense slots as SpaceSaving keeps them: a removal moves the last slot into the hole. */
class DenseOwner<K extends number | string> {
  keys: K[] = [];
  constructor(readonly table: SlotTable<K>) {}

  add(key: K): void {
    this.keys.push(key);
    this.table.set(key, this.keys.length - 1, this.keys);
  }

  remove(key: K): void {
    const s = this.table.get(key, this.keys);
    this.table.delete(key, this.keys);
    const last = this.keys.length - 1;
    if (s !== last) {
      this.keys[s] = this.keys[last];
      this.table.set(this.keys[s], s, this.keys);
    }
    this.keys.pop();
  }
}

function churn<K extends number | string>(owner: DenseOwner<K>, keyOf: (n: number) => K): void {
  const truth = new Set<K>();
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
    const s = owner.table.get(key, owner.keys);
    if (truth.has(key)) expect(owner.keys[s]).toBe(key);
    else expect(s).toBe(-1);
    expect(owner.table.size).toBe(truth.size);
  }
  for (let n = 0; n < 600; n++) {
    const key = keyOf(n);
    const s = owner.table.get(key, owner.keys);
    expect(s >= 0 ? owner.keys[s] : null).toBe(truth.has(key) ? key : null);
    if (s >= 0) expect(s).toBeLessThan(owner.keys.length);
  }
}

describe('SlotTable', () => {
  it('finds every integer key at its slot through random inserts and removals of dense slots, across growth', () => {
    churn(new DenseOwner(SlotTable.ofNumbers(4)), (n) => n);
  });

  it('finds every string key at its slot the same way', () => {
    churn(new DenseOwner(SlotTable.ofStrings(4)), (n) => `item-${n}`);
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
