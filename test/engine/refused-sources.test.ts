import { describe, expect, it } from 'vitest';
import { RefusedSources } from '../../src/engine/refused-sources.js';
import type { LogRecord, OutgoingRecord } from '../../src/log/types.js';

const tp = { topic: 'clickstream', partition: 2 };
const at = (offset: number, partition = 2): LogRecord => ({
  topic: 'clickstream',
  partition,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
  timestamp: 0,
});
/** The changelog record as another process reads it back. */
const asRead = (r: OutgoingRecord): LogRecord => ({
  topic: r.topic,
  partition: 0,
  offset: '0',
  key: Buffer.from(String(r.key)),
  value: r.value,
  headers: {},
  timestamp: 0,
});
const covered = (s: RefusedSources, from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i).filter((o) => s.covers(at(o)));

describe('refusal markers', () => {
  it('one changelog record per batch, consecutive refusals as one range; another process reading it skips the same records', () => {
    const here = new RefusedSources();
    const marker = here.refuse(tp, ['10', '11', '12', '15', '40'], 'recstream.changelog');
    expect(marker.topic).toBe('recstream.changelog');
    expect(String(marker.key)).toBe('refused:clickstream/2/10-41');
    expect(JSON.parse(marker.value!.toString())).toEqual({
      source: 'clickstream/2',
      ranges: [
        ['10', '13'],
        ['15', '16'],
        ['40', '41'],
      ],
    });
    expect(covered(here, 0, 50)).toEqual([10, 11, 12, 15, 40]);
    expect(here.covers(at(11, 3))).toBe(false);

    const there = new RefusedSources();
    there.load(asRead(marker));
    there.load({ ...asRead(marker), key: Buffer.from('erasure:u-1') });
    expect(covered(there, 0, 50)).toEqual([10, 11, 12, 15, 40]);
    expect(there.size).toBe(5);
  });

  it('markers read back in any order join into the ranges already known', () => {
    const s = new RefusedSources();
    const a = s.refuse(tp, ['5', '6'], 'c');
    const b = s.refuse(tp, ['7', '20'], 'c');
    const c = s.refuse(tp, ['1'], 'c');
    for (const m of [b, a, c, a]) s.load(asRead(m));
    expect(covered(s, 0, 30)).toEqual([1, 5, 6, 7, 20]);
    expect(s.size).toBe(5);
  });

  it('forgets refusals retention removed from the input and tombstones the markers that held only those', () => {
    const s = new RefusedSources();
    const old = s.refuse(tp, ['3', '4'], 'c');
    const straddling = s.refuse(tp, ['8', '12'], 'c');
    s.refuse({ topic: 'clickstream', partition: 1 }, ['0'], 'c');
    const tombstones = s.expire(tp, '10', 'c');
    expect(tombstones).toEqual([{ topic: 'c', key: old.key, value: null }]);
    expect(covered(s, 0, 20)).toEqual([12]);
    expect(s.expire(tp, '13', 'c')).toEqual([{ topic: 'c', key: straddling.key, value: null }]);
    expect(s.sources()).toEqual([{ topic: 'clickstream', partition: 1 }]);

    // A tombstone read from the changelog (another process expired it) is not tombstoned again.
    const t = new RefusedSources();
    const m = t.refuse(tp, ['1'], 'c');
    t.load({ ...asRead(m), value: null });
    expect(t.expire(tp, '5', 'c')).toEqual([]);
  });
});
