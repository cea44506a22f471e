import { describe, expect, it } from 'vitest';
import { decodeRow, rowRecords } from '../../src/engine/internal-records.js';
import { encodeRows } from '../../src/engine/row-codec.js';
import { neighborRecord } from '../../src/model/neighbor-row.js';
import { modelWithState, randomStream } from '../model/helpers.js';

/** The rows of every item a learned model owns: neighbours, followed-by shares, trends, prices. */
function rows() {
  const { model, state } = modelWithState({ minSupportUsers: 2 });
  for (const e of randomStream(3000, 3, 40, 60)) model.learnOne(e);
  return [...state.similarity.nodes.keys()].flatMap((id) => {
    model.similar(id, 5);
    const row = neighborRecord(model.items, id);
    return row === null ? [] : [row];
  });
}

describe('item-neighbors records in binary', () => {
  it('round-trip exactly, every field, as JSON held them', () => {
    const all = rows();
    expect(all.length).toBeGreaterThan(50);
    expect(all.some((r) => r.neighbors.length > 0 && r.follows.length > 0 && r.trend > 0 && r.price > 0)).toBe(true);
    const values = encodeRows(all);
    for (let i = 0; i < all.length; i++) {
      expect(decodeRow(values[i])).toEqual(all[i]);
      expect(decodeRow(values[i])).toEqual(JSON.parse(JSON.stringify(all[i])));
    }
    const odd = { ...all[0], item: 'é-😀', t0: null, trendT0: null, neighbors: [], follows: [] };
    expect(decodeRow(encodeRows([odd])[0])).toEqual(odd);
  });

  it('read the JSON rows an earlier version wrote, refuse others, and throw on a broken record', () => {
    const [row] = rows();
    expect(decodeRow(Buffer.from(JSON.stringify({ f: 'recstream.item-row/1', ...row })))).toEqual(JSON.parse(JSON.stringify(row)));
    expect(decodeRow(Buffer.from(JSON.stringify({ f: 'something-else', ...row })))).toBeNull();
    const [bytes] = encodeRows([row]);
    expect(() => decodeRow(bytes.subarray(0, bytes.length - 2))).toThrow(RangeError);
    expect(() => decodeRow(Buffer.concat([bytes, Buffer.from([1])]))).toThrow(RangeError);
  });

  it('records key rows by item, a forgotten item as a tombstone, each carrying its row for this process', () => {
    const [a, b] = rows();
    const records = rowRecords(
      [
        [a.item, a],
        ['gone', null],
        [b.item, b],
      ],
      'neighbors',
    );
    expect(records.map((r) => [r.topic, r.key, r.value === null])).toEqual([
      ['neighbors', a.item, false],
      ['neighbors', 'gone', true],
      ['neighbors', b.item, false],
    ]);
    expect(records[0].decoded).toBe(a);
    expect(decodeRow(records[2].value as Buffer)).toEqual(b);
  });
});
