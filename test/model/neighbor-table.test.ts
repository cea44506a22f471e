import { describe, expect, it } from 'vitest';
import type { IdValues, NeighborRecord } from '../../src/model/neighbor-row.js';
import { NeighborTable } from '../../src/model/neighbor-table.js';
import { lcg } from './helpers.js';

/** [id, number] pairs as a record's columns. */
function columns(pairs: Array<[string, number]>): IdValues {
  return { ids: pairs.map(([id]) => id), values: pairs.map(([, v]) => v) };
}

function record(
  item: string,
  trend: number,
  neighbors: Array<[string, number]> = [],
  follows: Array<[string, number]> = [],
): NeighborRecord {
  return {
    item,
    neighbors: columns(neighbors),
    follows: columns(follows),
    norm2: 1,
    t0: 0,
    trend,
    trendT0: 0,
    popularity: 1,
    price: 0,
  };
}

describe('the global neighbour table', () => {
  it('lists the 100 most trending present items, ties by id, as sorting every row does', () => {
    const table = new NeighborTable(24);
    const rnd = lcg(5);
    const trends = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 2000; k++) {
        const id = `item-${Math.floor(rnd() * 3000)}`;
        // few distinct values: many ties around the 100th place
        const trend = rnd() < 0.2 ? 0 : Math.floor(rnd() * 40);
        table.apply(record(id, trend));
        trends.set(id, trend);
      }
      for (let k = 0; k < 50; k++) {
        const id = `item-${Math.floor(rnd() * 3000)}`;
        table.remove(id);
        trends.delete(id);
      }
      const expected = [...trends]
        .filter(([, t]) => t > 0)
        .sort(([a, ta], [b, tb]) => tb - ta || (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, 100)
        .map(([id]) => id);
      expect(table.topTrending()).toEqual(expected);
    }
    const few = new NeighborTable(24);
    few.apply(record('b', 2));
    few.apply(record('a', 2));
    few.apply(record('c', 0));
    expect(few.topTrending()).toEqual(['a', 'b']);
  });

  it('keeps that list as rows gain, lose and leave, read after every change', () => {
    const table = new NeighborTable(24);
    const rnd = lcg(11);
    const trends = new Map<string, number>();
    const expected = () =>
      [...trends]
        .filter(([, t]) => t > 0)
        .sort(([a, ta], [b, tb]) => tb - ta || (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, 100)
        .map(([id]) => id);
    for (let k = 0; k < 6000; k++) {
      const id = `item-${Math.floor(rnd() * rnd() * 400)}`;
      const was = trends.get(id) ?? 0;
      const draw = rnd();
      if (draw < 0.02) {
        table.remove(id);
        trends.delete(id);
      } else {
        // mostly gains, as trending grows; now and then a loss (an erasure), a tie or a drop to 0
        const trend = draw < 0.06 ? Math.max(0, was - 1 - Math.floor(rnd() * 3)) : draw < 0.1 ? was : was + 1 + Math.floor(rnd() * 2);
        table.apply(record(id, trend));
        trends.set(id, trend);
      }
      if (k % 3 === 0 || k > 5900) expect(table.topTrending(), `after change ${k}`).toEqual(expected());
    }
    expect(new Set(table.topTrending()).size).toBe(100);
  });

  it('rewrites a row in place: a shorter row reads only its own neighbours and followed-by items', () => {
    const table = new NeighborTable(24);
    table.apply(
      record(
        'x',
        1,
        [
          ['a', 0.9],
          ['b', 0.8],
          ['c', 0.7],
        ],
        [
          ['a', 0.5],
          ['b', 0.3],
          ['c', 0.2],
        ],
      ),
    );
    table.apply(record('x', 1, [['c', 0.6]], [['b', 1]]));
    const row = table.row('x')!;
    expect(row.neighborScores.map((_, k) => table.rows[row.neighborIndices[k]].id)).toEqual(['c']);
    expect(row.neighborScores).toEqual([0.6]);
    expect(table.row('c')!.index).toBe(row.neighborIndices[0]);
    const follows = table.follows('x')!;
    expect(follows.ids).toEqual(['b']);
    expect(follows.indices[0]).toBe(table.row('b')!.index);
    expect(table.similar('x', 10)).toEqual([{ itemId: 'c', score: 0.6 }]);
  });
});
