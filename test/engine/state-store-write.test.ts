import { describe, expect, it } from 'vitest';
import { CHECKPOINT_KEY, ChangelogStore, type StoreEntry } from '../../src/engine/state-store.js';
import { MemoryLog } from '../../src/log/memory.js';

/**
 * Notes 'other work' at every turn of the event loop until the returned function is called: an
 * immediate re-armed from itself, so it comes between any two turns however fast they are (an
 * interval's 1 ms could pass wholly inside a quick write).
 */
function otherWorkEachTurn(events: string[]): () => void {
  let on = true;
  const turn = (): void => {
    if (!on) return;
    events.push('other work');
    setImmediate(turn);
  };
  setImmediate(turn);
  return () => {
    on = false;
  };
}

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
      const stopOtherWork = otherWorkEachTurn(events);
      // a slice of 0 ms: the write lets other work run after every look at the clock
      const bytes = await store.write(entries(), [{ partition: 0, checkpoint: { upTo: 100 }, position: { 'input/0': '100' } }], 0, 0);
      stopOtherWork();
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
      const stopAgain = otherWorkEachTurn(events);
      const pending = store.write(entries(), [], 0);
      const madeBeforeAnyOther = events.filter((e) => e.startsWith('made')).length;
      await pending;
      stopAgain();
      expect(madeBeforeAnyOther).toBe(100);
    } finally {
      await log.close();
    }
  });
});
