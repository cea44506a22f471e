import { describe, expect, it } from 'vitest';
import { RecentRecords } from '../../src/log/recent-records.js';
import type { LogRecord } from '../../src/log/types.js';
import { lcg } from '../model/helpers.js';

function records(from: number, count: number, rnd: () => number): { records: LogRecord[]; sizes: number[] } {
  const out: LogRecord[] = [];
  const sizes: number[] = [];
  for (let k = 0; k < count; k++) {
    const value = Buffer.alloc(1 + Math.floor(rnd() * 300), from + k);
    out.push({ topic: 't', partition: 0, offset: String(from + k), key: Buffer.from(`k${from + k}`), value, headers: {}, timestamp: 0 });
    sizes.push(value.length + 32);
  }
  return { records: out, sizes };
}

describe('RecentRecords', () => {
  it('holds the newest records within its bounds, as if it held every appended record and dropped the oldest, through batches small and large', () => {
    const rnd = lcg(11);
    const recent = new RecentRecords(0, 50, 4_000);
    let high = 0;
    const appended: Array<{ offset: number; size: number; value: Buffer }> = [];
    for (let step = 0; step < 300; step++) {
      const count = rnd() < 0.1 ? 40 + Math.floor(rnd() * 200) : Math.floor(rnd() * 6);
      const batch = records(high, count, rnd);
      const copies = recent.push(batch.records, batch.sizes);
      for (const [k, r] of batch.records.entries()) appended.push({ offset: high + k, size: batch.sizes[k], value: r.value as Buffer });
      high += count;
      // the reference: the longest run of newest records within 50 records and 4,000 bytes
      let held = 0;
      let bytes = 0;
      while (held < appended.length && held < 50 && bytes + appended[appended.length - 1 - held].size <= 4_000) {
        bytes += appended[appended.length - 1 - held].size;
        held++;
      }
      expect(recent.held).toBe(held);
      expect(recent.start).toBe(high - held);
      const read = recent.slice(high - held, high, 1_000);
      expect(read.map((r) => Number(r.offset))).toEqual(appended.slice(appended.length - held).map((a) => a.offset));
      for (const [k, r] of read.entries()) expect(r.value?.equals(appended[appended.length - held + k].value)).toBe(true);
      // what it hands back for consumers are the copies it holds (the newest of the batch)
      for (const c of copies) expect(read).toContain(c);
    }
  });
});
