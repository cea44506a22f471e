import { describe, expect, it } from 'vitest';
import { ColumnPool, counterColumns } from '../../src/model/counter-columns.js';
import { SpaceSaving } from '../../src/model/index.js';
import { lcg } from './helpers.js';

const name = (peer: number): string => `i${peer}`;

/** The same counts, on behalf of the same users, into `sets`; then each set as its record holds it. */
function fill(sets: SpaceSaving[], seed: number, adds: number): unknown[] {
  const rnd = lcg(seed);
  for (let k = 0; k < adds; k++) {
    const peer = Math.floor(rnd() * rnd() * 120);
    const user = Math.floor(rnd() * 30);
    for (const set of sets) set.addPeer(peer, 1, 1, user);
  }
  return sets.map((set) => ({
    columns: set.toColumns(),
    supported: Array.from({ length: set.size }, (_, s) => set.supported(s)),
    slots: Array.from({ length: 120 }, (_, peer) => set.slotOfPeer(peer)),
  }));
}

describe('counter columns kept for reuse', () => {
  it('a counter set on columns another set outgrew counts exactly as one on new columns', () => {
    const pool = new ColumnPool();
    // grows through 8, 12, 18, 27 and 40 slots, leaving each outgrown set of columns full of its numbers
    const donor = new SpaceSaving(60, name, 3, undefined, pool);
    fill([donor], 1, 3_000);
    const reused = new SpaceSaving(60, name, 3, undefined, pool);
    const fresh = new SpaceSaving(60, name, 3);
    const [onReused, onFresh] = fill([reused, fresh], 2, 3_000);
    expect(reused.size).toBeGreaterThan(40);
    expect(onReused).toEqual(onFresh);
  });

  it('gives back the columns it was given, with an empty slot table, up to eight of a shape', () => {
    const pool = new ColumnPool();
    const given = Array.from({ length: 10 }, () => counterColumns(12, 5, true));
    for (const columns of given) {
      columns.table.fill(3);
      pool.give(columns);
    }
    // another shape is not handed out for this one
    expect(given).not.toContain(pool.take(12, 4, true));
    expect(given).not.toContain(pool.take(12, 5, false));
    const taken = Array.from({ length: 10 }, () => pool.take(12, 5, true));
    expect(taken.filter((columns) => given.includes(columns))).toHaveLength(8);
    for (const columns of taken) expect(columns.table.every((entry) => entry === 0)).toBe(true);
  });
});
