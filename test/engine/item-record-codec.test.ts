import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StateRecordUnreadable } from '../../src/engine/errors.js';
import { decodeItemRecord, encodeItemRecords } from '../../src/engine/item-record-codec.js';
import { ChangelogStore } from '../../src/engine/state-store.js';
import { MemoryLog } from '../../src/log/memory.js';
import { ItemDeltaBatch } from '../../src/model/item-delta.js';
import type { ItemRecord, StoredItemRecord } from '../../src/model/item-record.js';
import type { SpaceSavingColumns, SpaceSavingJson, StoredCounters } from '../../src/model/space-saving.js';
import { HOUR, modelWithState, randomStream, T0, view } from '../model/helpers.js';

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

/** Records of three items in the first binary version (counters one by one), written by the version before columns. */
const VERSION_1: Array<[string, string]> = JSON.parse(readFileSync(new URL('fixtures/item-records-v1.json', import.meta.url), 'utf8'));

/** What a JSON counter set says, in columns: the same counters in the same order. */
function asColumns(json: SpaceSavingJson): SpaceSavingColumns {
  const tracked = json.entries.some((e) => e[4] !== undefined);
  return {
    floor: json.floor,
    keys: json.entries.map((e) => e[0]),
    figures: json.entries.flatMap((e) => [e[1], e[2], e[3]]),
    users: tracked ? json.entries.flatMap((e) => [e[4]?.[0] ?? 0, (e[4]?.length ?? 1) - 1, ...(e[4]?.slice(1) ?? [])]) : null,
  };
}

function asJson(counters: StoredCounters): SpaceSavingJson {
  if (!('entries' in counters)) throw new Error('expected counters as JSON');
  return counters;
}

/** A fresh model's record of each item after loading `stored` into it. */
function reloaded(stored: Array<[string, StoredItemRecord]>): Array<ItemRecord | null> {
  const { model } = modelWithState({ minSupportUsers: 2 });
  for (const [id, r] of stored) model.items.loadRecord(id, r);
  return stored.map(([id]) => model.items.record(id));
}

const codec = { encode: encodeItemRecords, decode: decodeItemRecord };

describe('item-state records in binary', () => {
  it('round-trip exactly, every field, as JSON held them', () => {
    const all = records();
    expect(all.length).toBeGreaterThan(50);
    expect(all.some(([, r]) => r.follows !== null && r.trend !== null && r.node.row.ids.length > 0)).toBe(true);
    expect(all.some(([, r]) => (r.node.counters.users?.length ?? 0) > 2 * r.node.counters.keys.length)).toBe(true);
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

  it('read the first version (counters one by one) into the same state as columns say', () => {
    const stored = VERSION_1.map(([id, base64]): [string, StoredItemRecord] => {
      const decoded = decodeItemRecord(Buffer.from(base64, 'base64'));
      if (decoded === null) throw new Error(`${id}: not read as a binary record`);
      return [id, decoded];
    });
    expect(stored.some(([, r]) => asJson(r.node.counters).entries.some((c) => (c[4]?.length ?? 0) > 1))).toBe(true);
    const again = reloaded(stored);
    for (let i = 0; i < stored.length; i++) {
      const [, old] = stored[i];
      const follows = old.follows === null ? null : [old.follows[0], asColumns(asJson(old.follows[1]))];
      expect(again[i]).toEqual({ ...old, node: { ...old.node, counters: asColumns(asJson(old.node.counters)) }, follows });
      // and what this version writes of it reads back the same
      expect(decodeItemRecord(encodeItemRecords([again[i] as ItemRecord])[0])).toEqual(again[i]);
    }
  });

  it('an item loaded from its record takes an erasure back as the item it was', () => {
    // two people walked a → b → c; pairs need both of them (two distinct users) to be neighbours
    const walk = (userId: string, start: number) =>
      ['a', 'b', 'c'].map((itemId, k) => view(`${userId}-${k}`, userId, itemId, start + k * 60_000));
    const learnt = () => {
      const { model } = modelWithState({ minSupportUsers: 2 });
      for (const e of [...walk('erased', T0), ...walk('other', T0 + HOUR)]) model.learnOne(e);
      return model;
    };
    const source = learnt();
    const restored = modelWithState({ minSupportUsers: 2 }).model;
    const ids = ['a', 'b', 'c'];
    const values = encodeItemRecords(ids.map((id) => source.items.record(id) as ItemRecord));
    for (let i = 0; i < ids.length; i++) restored.items.loadRecord(ids[i], decodeItemRecord(values[i]) as StoredItemRecord);
    expect(
      restored
        .similar('a', 5)
        .map((n) => n.itemId)
        .sort(),
    ).toEqual(['b', 'c']);
    expect(restored.similar('a', 5)).toEqual(source.similar('a', 5));

    // the erased user's take-backs, as the process holding them sends them to the items' owner
    const takeBacks = new ItemDeltaBatch(() => source.users.landmark);
    expect(source.users.forgetUser('erased', takeBacks)).toBe(true);
    for (const d of takeBacks.take({ topic: 'erasure/test', partition: 0, from: 0, to: 1 })) restored.items.applyDelta(d, '0');
    const erasedHere = learnt();
    erasedHere.forgetUser('erased');
    for (const id of ids) expect(restored.similar(id, 5), id).toEqual(erasedHere.similar(id, 5));
    expect(restored.similar('a', 5)).toEqual([]);
  });

  it('refuse a broken record and leave another format to JSON', () => {
    const [bytes] = encodeItemRecords([records()[0][1]]);
    expect(() => decodeItemRecord(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeItemRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(RangeError);
    expect(decodeItemRecord(Buffer.from('{"f":"recstream.item-state/1","v":{}}'))).toBeNull();
  });

  it('a store restores binary records and JSON ones earlier versions wrote, and refuses a broken one', async () => {
    const log = new MemoryLog({ partitions: 1 });
    try {
      const all = records().slice(0, 20);
      // keyed apart from the fresh records' ids (both models name their items i0, i1, …)
      const legacy = VERSION_1.map(([id, base64]): [string, StoredItemRecord] => [
        `v1-${id}`,
        decodeItemRecord(Buffer.from(base64, 'base64')) as StoredItemRecord,
      ]);
      const older = new ChangelogStore<StoredItemRecord, { n: number }>(log, 'items', 'recstream.item-state/1', 0);
      const newer = new ChangelogStore<StoredItemRecord, { n: number }, ItemRecord>(log, 'items', 'recstream.item-state/1', 0, codec);
      // JSON with counters one by one (the first versions), and with counters in columns
      await older.write(
        [...legacy, ...all.slice(0, 10)].map(([id, r]) => [id, r, 0]),
        [],
      );
      const jsonBytes = await log.offsets({ topic: 'items', partition: 0 });
      await newer.write(
        all.slice(10).map(([id, r]) => [id, r, 0]),
        [{ partition: 0, checkpoint: { n: 1 }, position: { 'input/0': '1' } }],
      );
      const loaded = new Map<string, StoredItemRecord>();
      const restored = await newer.restore(0, (id, r) => loaded.set(id, r));
      expect(jsonBytes.high).toBe('13');
      expect(restored.keys).toBe(23);
      expect(restored.checkpoint).toEqual({ n: 1 });
      for (const [id, r] of [...legacy, ...all]) expect(loaded.get(id)).toEqual(JSON.parse(JSON.stringify(r)));
      expect(reloaded(legacy.map(([id]) => [id, loaded.get(id) as StoredItemRecord]))).toEqual(reloaded(legacy));
      expect(reloaded(legacy)[0]?.node.counters.keys.length).toBeGreaterThan(0);

      const [bytes] = encodeItemRecords([all[0][1]]);
      await log.produce([{ topic: 'items', partition: 0, key: 'broken', value: bytes.subarray(0, 40) }]);
      await expect(newer.restore(0, () => undefined)).rejects.toThrow(StateRecordUnreadable);
    } finally {
      await log.close();
    }
  });
});
