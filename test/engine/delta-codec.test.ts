import { describe, expect, it } from 'vitest';
import { decodeDelta, encodeDelta, encodeDeltas } from '../../src/engine/delta-codec.js';
import { ItemDeltaBatch } from '../../src/model/item-delta.js';
import { Recommender } from '../../src/model/recommender.js';
import { randomStream } from '../model/helpers.js';

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
  it('round-trip exactly, every field and amount', () => {
    const deltas = records();
    expect(deltas.some((d) => d.pairs.peers.length > 0 && d.unpairs.length > 0 && d.follows.length > 0)).toBe(true);
    for (const d of deltas) expect(decodeDelta(encodeDelta(d))).toEqual(d);
    const unicode = { ...deltas[0], item: 'sku-é-😀', t0: null };
    expect(decodeDelta(encodeDelta(unicode))).toEqual(unicode);
  });

  it("a batch's records, written into one buffer, each hold their own delta, whatever the ids' characters", () => {
    const deltas = records();
    // ids beyond ASCII amid the batch take more bytes than the buffer was first sized for
    const wide = deltas.map((d, i) =>
      i % 3 === 1 ? { ...d, item: `${d.item}-ü-😀`, follows: d.follows.map((f) => [`→${f[0]}`, ...f.slice(1)]) } : d,
    );
    const values = encodeDeltas(wide as typeof deltas);
    expect(values).toHaveLength(deltas.length);
    for (let i = 0; i < wide.length; i++) {
      expect(decodeDelta(values[i])).toEqual(wide[i]);
      expect(values[i]).toEqual(encodeDelta(wide[i] as (typeof deltas)[number]));
    }
  });

  it('refuse a broken record and ignore another format', () => {
    const bytes = encodeDelta(records()[0]);
    expect(() => decodeDelta(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeDelta(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(RangeError);
    expect(decodeDelta(Buffer.from('{"f":"recstream.item-delta/1"}'))).toBeNull();
  });
});
