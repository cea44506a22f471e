import { describe, expect, it } from 'vitest';
import { StateRecordUnreadable } from '../../src/engine/errors.js';
import { decodeItemRecord, encodeItemRecords } from '../../src/engine/item-record-codec.js';
import { ChangelogStore } from '../../src/engine/state-store.js';
import { MemoryLog } from '../../src/log/memory.js';
import type { ItemRecord } from '../../src/model/item-record.js';
import { modelWithState, randomStream } from '../model/helpers.js';

/** The records of every item a learned model owns: counters with witnesses, rows, follows, trends. */
function records(): Array<[string, ItemRecord]> {
  const { model, state } = modelWithState({ minSupportUsers: 2 });
  for (const e of randomStream(3000, 7, 40, 60)) model.learnOne(e);
  const out: Array<[string, ItemRecord]> = [];
  for (const id of state.similarity.nodes.keys()) {
    model.similar(id, 5);
    const record = model.items.record(id);
    if (record !== null) out.push([id, record]);
  }
  return out;
}

const codec = { encode: encodeItemRecords, decode: decodeItemRecord };

describe('item-state records in binary', () => {
  it('round-trip exactly, every field, as JSON held them', () => {
    const all = records();
    expect(all.length).toBeGreaterThan(50);
    expect(all.some(([, r]) => r.follows !== null && r.trend !== null && r.node.row.ids.length > 0)).toBe(true);
    expect(all.some(([, r]) => r.node.counters.entries.some((c) => c[4] !== undefined && c[4].length > 1))).toBe(true);
    const values = encodeItemRecords(all.map(([, r]) => r));
    for (let i = 0; i < all.length; i++) {
      const decoded = decodeItemRecord(values[i]);
      expect(decoded).toEqual(all[i][1]);
      // what the JSON records held, so a store read back either way loads the same state
      expect(decoded).toEqual(JSON.parse(JSON.stringify(all[i][1])));
    }
    const [, first] = all[0];
    const odd: ItemRecord = { ...first, t0: null, trendT0: null, trend: null, follows: null };
    odd.node = { ...first.node, row: { ...first.node.row, ids: first.node.row.ids.map((id) => `${id}-é-😀`) } };
    expect(decodeItemRecord(encodeItemRecords([odd])[0])).toEqual(odd);
  });

  it('refuse a broken record and leave another format to JSON', () => {
    const [bytes] = encodeItemRecords([records()[0][1]]);
    expect(() => decodeItemRecord(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeItemRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(RangeError);
    expect(decodeItemRecord(Buffer.from('{"f":"recstream.item-state/1","v":{}}'))).toBeNull();
  });

  it('a store restores binary records and JSON ones an earlier version wrote, and refuses a broken one', async () => {
    const log = new MemoryLog({ partitions: 1 });
    try {
      const all = records().slice(0, 20);
      const older = new ChangelogStore<ItemRecord, { n: number }>(log, 'items', 'recstream.item-state/1', 0);
      const newer = new ChangelogStore<ItemRecord, { n: number }>(log, 'items', 'recstream.item-state/1', 0, codec);
      await older.write(
        all.slice(0, 10).map(([id, r]) => [id, r, 0]),
        [],
      );
      const jsonBytes = await log.offsets({ topic: 'items', partition: 0 });
      await newer.write(
        all.slice(10).map(([id, r]) => [id, r, 0]),
        [[0, { n: 1 }]],
      );
      const loaded = new Map<string, ItemRecord>();
      const restored = await newer.restore(0, (id, r) => loaded.set(id, r));
      expect(jsonBytes.high).toBe('10');
      expect(restored.keys).toBe(20);
      expect(restored.checkpoint).toEqual({ n: 1 });
      for (const [id, r] of all) expect(loaded.get(id)).toEqual(JSON.parse(JSON.stringify(r)));

      const [bytes] = encodeItemRecords([all[0][1]]);
      await log.produce([{ topic: 'items', partition: 0, key: 'broken', value: bytes.subarray(0, 40) }]);
      await expect(newer.restore(0, () => undefined)).rejects.toThrow(StateRecordUnreadable);
    } finally {
      await log.close();
    }
  });
});
