import { describe, expect, it } from 'vitest';
import { writeRecords } from '../../src/engine/binary-record.js';
import { decodeRow, rowRecords } from '../../src/engine/internal-records.js';
import { encodeRows } from '../../src/engine/row-codec.js';
import { type IdValues, type NeighborRecord, neighborRecord } from '../../src/model/neighbor-row.js';
import { modelWithState, randomStream } from '../model/helpers.js';

/** Columns as the [id, number] pairs rows held before. */
function pairs({ ids, values }: IdValues): Array<[string, number]> {
  return ids.map((id, k) => [id, values[k]]);
}

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
    expect(all.some((r) => r.neighbors.ids.length > 0 && r.follows.ids.length > 0 && r.trend > 0 && r.price > 0)).toBe(true);
    const values = encodeRows(all);
    for (let i = 0; i < all.length; i++) {
      expect(decodeRow(values[i])).toEqual(all[i]);
      expect(decodeRow(values[i])).toEqual(JSON.parse(JSON.stringify(all[i])));
    }
    const odd = { ...all[0], item: 'é-😀', t0: null, trendT0: null, neighbors: { ids: [], values: [] }, follows: { ids: [], values: [] } };
    expect(decodeRow(encodeRows([odd])[0])).toEqual(odd);
  });

  it('read the JSON rows an earlier version wrote, refuse others, and throw on a broken record', () => {
    const row = rows().find((r) => r.neighbors.ids.length > 0 && r.follows.ids.length > 0) as NeighborRecord;
    // that version held neighbours and follows as [id, number] pairs
    const json = { f: 'recstream.item-row/1', ...row, neighbors: pairs(row.neighbors), follows: pairs(row.follows) };
    expect(decodeRow(Buffer.from(JSON.stringify(json)))).toEqual(JSON.parse(JSON.stringify(row)));
    expect(decodeRow(Buffer.from(JSON.stringify({ ...json, f: 'something-else' })))).toBeNull();
    const [bytes] = encodeRows([row]);
    expect(() => decodeRow(bytes.subarray(0, bytes.length - 2))).toThrow(RangeError);
    expect(() => decodeRow(Buffer.concat([bytes, Buffer.from([1])]))).toThrow(RangeError);
  });

  it('write the bytes rows had when they held [id, number] pairs', () => {
    const row = rows().find((r) => r.neighbors.ids.length > 1) as NeighborRecord;
    const [columns] = writeRecords(
      [row],
      () => 64,
      (w, r) => {
        w.idValues(r.neighbors.ids, r.neighbors.values);
        w.end();
      },
    );
    const [asPairs] = writeRecords(
      [row],
      () => 64,
      (w, r) => {
        w.pairs(pairs(r.neighbors));
        w.end();
      },
    );
    expect(columns.equals(asPairs)).toBe(true);
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
