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
  it('makes each value when its turn comes, from the next turn of the event loop on, lets other work run between slices, and ends with the checkpoint', async () => {
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
      // asked for at the end of a batch, the write leaves the rest of that turn to it
      expect(events[0]).toBe('other work');
      const otherAfterFirst = events.indexOf('other work', events.indexOf('made 0'));
      expect(otherAfterFirst).toBeGreaterThan(0);
      expect(events.indexOf('made 99')).toBeGreaterThan(otherAfterFirst);

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

  it('produces a sliced write half a MiB at a time with turns of the event loop between, the checkpoint last; an unsliced one at once', async () => {
    const log = new MemoryLog({ partitions: 1 });
    try {
      const store = new ChangelogStore<{ s: string }, { upTo: number }>(log, 'state', 'test/1', 0);
      const tp = { topic: 'state', partition: 0 };
      await log.ensureTopics([{ topic: 'state', partitions: 1 }]);
      // 12 values of ~150 KB: four pieces of three
      const entries = (): Array<StoreEntry<{ s: string }>> =>
        Array.from({ length: 12 }, (_, n) => [`k${n}`, { s: 'x'.repeat(150_000) }, 0]);
      const commit = [{ partition: 0, checkpoint: { upTo: 12 }, position: { 'input/0': '12' } }];
      const seen: string[] = [];
      let on = true;
      const look = async (): Promise<void> => {
        if (!on) return;
        seen.push((await log.offsets(tp)).high);
        setImmediate(look);
      };
      setImmediate(look);
      await store.write(entries(), commit, 0, 1);
      on = false;
      const high = Number((await log.offsets(tp)).high);
      expect(high).toBe(13);
      // the log seen part written between pieces, and never a piece over half a MiB
      const partial = [...new Set(seen.map(Number))].filter((h) => h > 0 && h < 13);
      expect(partial).toEqual([3, 6, 9]);
      const keys: string[] = [];
      await log.readRange(tp, '0', '13', (records) => {
        for (const r of records) keys.push(r.key?.toString() ?? '');
      });
      expect(keys.at(-1)).toBe(CHECKPOINT_KEY);

      // without slices: one produce, nothing seen in between
      seen.length = 0;
      on = true;
      setImmediate(look);
      await store.write(entries(), commit, 0);
      on = false;
      expect(seen.map(Number).filter((h) => h > 13 && h < 26)).toEqual([]);
      expect((await log.offsets(tp)).high).toBe('26');
    } finally {
      await log.close();
    }
  });
});
