import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDeltas, encodeDeltaGroups, encodeDeltas } from '../../src/engine/delta-codec.js';
import { deltaRecords } from '../../src/engine/internal-records.js';
import { partitionForKey } from '../../src/log/partitioner.js';
import { type ItemDelta, ItemDeltaBatch } from '../../src/model/item-delta.js';
import { Recommender } from '../../src/model/recommender.js';
import { randomStream } from '../model/helpers.js';

/** A group of three deltas and the first alone, as version 2 wrote them, and what they hold. */
const VERSION_2: { group: string; single: string; deltas: ItemDelta[] } = JSON.parse(
  readFileSync(new URL('fixtures/item-deltas-v2.json', import.meta.url), 'utf8'),
);

/** How often the string `text` is written in `bytes` (its byte length as a u32, then its bytes). */
function occurrences(bytes: Buffer, text: string): number {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(Buffer.byteLength(text));
  const written = Buffer.concat([length, Buffer.from(text)]);
  let n = 0;
  for (let at = bytes.indexOf(written); at >= 0; at = bytes.indexOf(written, at + 1)) n++;
  return n;
}

/** Delta records of a real batch, erasure take-backs included. */
function records() {
  const model = new Recommender({ minSupportUsers: 1 });
  const batch = new ItemDeltaBatch(() => 1_700_000_000_000);
  const stream = randomStream(400, 5, 20, 30);
  for (const e of stream) model.users.learnOne(e, batch, model.items);
  model.users.forgetUser(stream[0].userId, batch);
  return batch.take({ topic: 'clickstream', partition: 3, from: 100, to: 500 });
}

describe('item delta records on the wire', () => {
  it('round-trip exactly, every field and amount, one delta or a whole group', () => {
    const deltas = records();
    expect(deltas.some((d) => d.pairs.peers.length > 0 && d.unpairs.length > 0 && d.follows.length > 0)).toBe(true);
    for (const d of deltas) expect(decodeDeltas(encodeDeltas([d]))).toEqual([d]);
    expect(decodeDeltas(encodeDeltas(deltas))).toEqual(deltas);
    const unicode = { ...deltas[0], item: 'sku-é-😀', t0: null };
    expect(decodeDeltas(encodeDeltas([unicode]))).toEqual([unicode]);
  });

  it("a batch's records, written into one buffer, each hold their own group, whatever the ids' characters", () => {
    const deltas = records();
    // ids beyond ASCII amid the batch take more bytes than the buffer was first sized for
    const wide = deltas.map((d, i) =>
      i % 3 === 1 ? { ...d, item: `${d.item}-ü-😀`, follows: d.follows.map((f) => [`→${f[0]}`, ...f.slice(1)]) } : d,
    ) as typeof deltas;
    const groups = [wide.slice(0, 5), wide.slice(5, 6), wide.slice(6)];
    const values = encodeDeltaGroups(groups);
    expect(values).toHaveLength(3);
    for (let i = 0; i < groups.length; i++) {
      expect(decodeDeltas(values[i])).toEqual(groups[i]);
      expect(values[i]).toEqual(encodeDeltas(groups[i]));
    }
  });

  it('name each id once per record: a table the deltas point into, smaller than ids written out', () => {
    const deltas = records();
    const bytes = encodeDeltas(deltas);
    const named = new Set(deltas.flatMap((d) => [d.item, ...d.pairs.peers, ...d.follows.map((f) => f[0])]));
    expect(deltas.reduce((n, d) => n + d.pairs.peers.length, 0)).toBeGreaterThan(2 * named.size);
    for (const id of named) expect(occurrences(bytes, id), id).toBe(1);
    expect(encodeDeltas(VERSION_2.deltas).length).toBeLessThan(0.9 * Buffer.from(VERSION_2.group, 'base64').length);
  });

  it('still read the records of versions 1 and 2, written by earlier versions', () => {
    const group = Buffer.from(VERSION_2.group, 'base64');
    expect(group[1]).toBe(2);
    expect(decodeDeltas(group)).toEqual(VERSION_2.deltas);
    const single = Buffer.from(VERSION_2.single, 'base64');
    expect(decodeDeltas(single)).toEqual(VERSION_2.deltas.slice(0, 1));
    // version 1: magic, version, then the delta as version 2 writes it (no count)
    const v1 = Buffer.concat([Buffer.from([single[0], 1]), single.subarray(6)]);
    expect(decodeDeltas(v1)).toEqual(VERSION_2.deltas.slice(0, 1));
  });

  it('write version 2 byte for byte as the version before did, for a group still running it', () => {
    expect(encodeDeltas(VERSION_2.deltas, 2)).toEqual(Buffer.from(VERSION_2.group, 'base64'));
    expect(encodeDeltas(VERSION_2.deltas.slice(0, 1), 2)).toEqual(Buffer.from(VERSION_2.single, 'base64'));
    const deltas = records();
    expect(decodeDeltas(encodeDeltas(deltas, 2))).toEqual(deltas);
  });

  it('refuse a broken record and ignore another format', () => {
    const bytes = encodeDeltas(records().slice(0, 3));
    expect(() => decodeDeltas(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeDeltas(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(RangeError);
    expect(decodeDeltas(Buffer.from('{"f":"recstream.item-delta/1"}'))).toBeNull();
  });

  it("go one record per item-deltas partition, keyed by an item of it, each with that partition's deltas in order", () => {
    const deltas = records();
    const partitions = 4;
    const out = deltaRecords(deltas, 'recstream.item-deltas', partitions);
    expect(out).toHaveLength(new Set(deltas.map((d) => partitionForKey(d.item, partitions))).size);
    expect(out.length).toBeGreaterThan(1);
    let count = 0;
    for (const r of out) {
      const group = decodeDeltas(r.value as Buffer) ?? [];
      expect(r.decoded).toEqual(group);
      const p = partitionForKey(r.key as string, partitions);
      expect(r.partition).toBe(p);
      expect(group.map((d) => partitionForKey(d.item, partitions))).toEqual(group.map(() => p));
      expect(group).toEqual(deltas.filter((d) => partitionForKey(d.item, partitions) === p));
      count += group.length;
    }
    expect(count).toBe(deltas.length);
  });
});
