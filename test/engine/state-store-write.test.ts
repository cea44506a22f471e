import { describe, expect, it } from 'vitest';
import { CHECKPOINT_KEY, ChangelogStore, type StoreEntry } from '../../src/engine/state-store.js';
import { MemoryLog } from '../../src/log/memory.js';

describe('a state store write', () => {
  it('makes each value when its turn comes, lets other work run between slices, and ends with the checkpoint', async () => {
    const log = new MemoryLog({ partitions: 1 });
    try {
      const store = new ChangelogStore<{ n: number }, { upTo: number }>(log, 'state', 'test/1', 0);
      const events: string[] = [];
      function* entries(): Generator<StoreEntry<{ n: number }>> {
        for (let n = 0; n < 100; n++) {
          events.push(`made ${n}`);
          yield [`k${n}`, n === 50 ? null : { n }, 0];
        }
      }
      const turns = setInterval(() => events.push('other work'), 0);
      // a slice of 0 ms: the write lets other work run after every look at the clock
      const bytes = await store.write(entries(), [{ partition: 0, checkpoint: { upTo: 100 }, position: { 'input/0': '100' } }], 0, 0);
      clearInterval(turns);
      const firstOther = events.indexOf('other work');
      expect(firstOther).toBeGreaterThan(0);
      expect(events.indexOf('made 99')).toBeGreaterThan(firstOther);

      const written: Array<[string, string | null]> = [];
      await log.readRange({ topic: 'state', partition: 0 }, '0', '101', (records) => {
        for (const r of records) written.push([r.key?.toString() ?? '', r.value?.toString() ?? null]);
      });
      expect(written.map(([k]) => k)).toEqual([...Array.from({ length: 100 }, (_, n) => `k${n}`), CHECKPOINT_KEY]);
      expect(written[50][1]).toBeNull();
      expect(JSON.parse(written[7][1] as string)).toEqual({ f: 'test/1', v: { n: 7 } });
      expect(bytes).toBe(written.reduce((sum, [, v]) => sum + (v === null ? 0 : Buffer.byteLength(v)), 0));

      // without a slice, nothing else runs until the records are produced
      events.length = 0;
      const again = setInterval(() => events.push('other work'), 0);
      const pending = store.write(entries(), [], 0);
      const madeBeforeAnyOther = events.filter((e) => e.startsWith('made')).length;
      await pending;
      clearInterval(again);
      expect(madeBeforeAnyOther).toBe(100);
    } finally {
      await log.close();
    }
  });
});
