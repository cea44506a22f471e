import { describe, expect, it } from 'vitest';
import { type RecordWriter, writeRecords } from '../../src/engine/binary-record.js';
import { StateRecordUnreadable } from '../../src/engine/errors.js';
import { ChangelogStore } from '../../src/engine/state-store.js';
import { decodeUserRecord, encodeUserRecords, type StoredUser } from '../../src/engine/user-record-codec.js';
import { EVENT_TYPES } from '../../src/events/types.js';
import { MemoryLog } from '../../src/log/memory.js';
import { modelWithState, randomStream } from '../model/helpers.js';

/** The records of every user a learned model holds: histories with follows, purchases, sessions. */
function records(): Array<[string, StoredUser]> {
  const { model } = modelWithState();
  for (const e of randomStream(3000, 11, 40, 60)) model.learnOne(e);
  model.learnOne({
    kind: 'click',
    eventId: 'in-session',
    userId: 'u1',
    timestamp: 2_000_000_000_000,
    type: 'view',
    itemId: 'i-é-😀',
    sessionId: 's-1',
  });
  const out: Array<[string, StoredUser]> = [];
  for (let u = 0; u < 40; u++) {
    const user = model.users.record(`u${u}`);
    if (user !== null) out.push([`u${u}`, { user, seen: { 'recstream.erasures:0': String(u * 7) } }]);
  }
  return out;
}

const codec = { encode: encodeUserRecords, decode: decodeUserRecord };

/** A record as version 1 wrote it: each history entry with its last time after its weight. */
function versionOne({ user, seen }: StoredUser, lastTime: number): Buffer {
  const write = (w: RecordWriter): void => {
    const h = user.history;
    w.u8(0x55);
    w.u8(1);
    w.optF64(user.t0);
    w.u32(h.items.length);
    for (const [itemId, weight, , lastType, inCart, purchased, trendMinute, follows] of h.items) {
      w.str(itemId);
      w.f64(weight);
      w.f64(lastTime);
      w.u8(EVENT_TYPES.indexOf(lastType));
      w.u8((inCart ? 1 : 0) | (purchased ? 2 : 0));
      w.f64(trendMinute);
      w.pairs(follows);
    }
    w.pairs(h.purchased);
    w.str(h.recentIds);
    w.f64(h.lastTime);
    w.optStr(h.session.id);
    w.f64(h.session.lastTime);
    w.u32(h.session.items.length);
    for (const id of h.session.items) w.str(id);
    for (const v of [h.rfm.orders, h.rfm.totalValue, h.rfm.lastOrderTime, h.rfm.lastOrderValue, h.spend.sum, h.spend.count]) w.f64(v);
    const partitions = Object.entries(seen);
    w.u32(partitions.length);
    for (const [tp, offset] of partitions) {
      w.str(tp);
      w.str(offset);
    }
    w.end();
  };
  return writeRecords([0], () => 4096, write)[0];
}
const asJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('user-state records in binary', () => {
  it('round-trip exactly, every field, as JSON held them', () => {
    const all = records();
    expect(all.length).toBe(40);
    const histories = all.map(([, r]) => r.user.history);
    expect(histories.some((h) => h.items.some((e) => e[7].length > 1))).toBe(true);
    expect(histories.some((h) => h.items.some((e) => e[4] || e[5]))).toBe(true);
    expect(histories.some((h) => h.purchased.length > 0 && h.rfm.orders > 0)).toBe(true);
    expect(histories.some((h) => h.session.id === 's-1') && histories.some((h) => h.session.id === null)).toBe(true);
    const values = encodeUserRecords(all.map(([, r]) => r));
    for (let i = 0; i < all.length; i++) {
      const decoded = decodeUserRecord(values[i]);
      expect(decoded).toEqual(all[i][1]);
      expect(decoded).toEqual(asJson(all[i][1]));
    }
    const [, first] = all[0];
    const odd: StoredUser = { user: { ...first.user, t0: null }, seen: {} };
    expect(decodeUserRecord(encodeUserRecords([odd])[0])).toEqual(odd);
  });

  it('read the records version 1 wrote (entries with their last time, which is no longer kept)', () => {
    for (const [, r] of records()) {
      expect(r.user.history.items.every((e) => e[2] === 0)).toBe(true);
      expect(decodeUserRecord(versionOne(r, 1_700_000_000_123))).toEqual(asJson(r));
    }
  });

  it('refuse a broken record and leave another format to JSON', () => {
    const [bytes] = encodeUserRecords([records()[0][1]]);
    expect(() => decodeUserRecord(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeUserRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(RangeError);
    const badType = Buffer.from(bytes);
    // the first entry's event type: after magic, version, t0, the count and the id's length and bytes
    const idLength = badType.readUInt32LE(14);
    badType[18 + idLength + 8] = 99;
    expect(() => decodeUserRecord(badType)).toThrow(/event type/);
    expect(decodeUserRecord(Buffer.from('{"f":"recstream.user-state/1","v":{}}'))).toBeNull();
  });

  it('a store restores binary records and JSON ones an earlier version wrote, and refuses a broken one', async () => {
    const log = new MemoryLog({ partitions: 1 });
    try {
      const all = records().slice(0, 20);
      const older = new ChangelogStore<StoredUser, { n: number }>(log, 'users', 'recstream.user-state/1', 0);
      const newer = new ChangelogStore<StoredUser, { n: number }>(log, 'users', 'recstream.user-state/1', 0, codec);
      await older.write(
        all.slice(0, 10).map(([id, r]) => [id, r, 0]),
        [],
      );
      await newer.write(
        all.slice(10).map(([id, r]) => [id, r, 0]),
        [{ partition: 0, checkpoint: { n: 1 }, position: { 'input/0': '1' } }],
      );
      const loaded = new Map<string, StoredUser>();
      const restored = await newer.restore(0, (id, r) => loaded.set(id, r));
      expect(restored.keys).toBe(20);
      expect(restored.checkpoint).toEqual({ n: 1 });
      for (const [id, r] of all) expect(loaded.get(id)).toEqual(asJson(r));

      const [bytes] = encodeUserRecords([all[0][1]]);
      await log.produce([{ topic: 'users', partition: 0, key: 'broken', value: bytes.subarray(0, 40) }]);
      await expect(newer.restore(0, () => undefined)).rejects.toThrow(StateRecordUnreadable);
    } finally {
      await log.close();
    }
  });
});
