import { describe, expect, it } from 'vitest';
import { ChangelogStore } from '../../src/engine/state-store.js';
import { MemoryLog } from '../../src/log/memory.js';

describe("a state store's write times", () => {
  it('are the multiples of the interval on the clock, shifted by the phase, however late the last write was', async () => {
    const log = new MemoryLog({ partitions: 1 });
    try {
      const plain = new ChangelogStore(log, 'a', 'test/1', 1_000);
      const shifted = new ChangelogStore(log, 'b', 'test/1', 1_000, null, 500);
      expect(plain.due(10_200)).toBe(true);
      // a write with nothing to write still counts as the write of its time
      await plain.write([], [], 10_200);
      await shifted.write([], [], 10_600);
      expect(plain.due(10_999)).toBe(false);
      expect(plain.due(11_000)).toBe(true);
      expect(shifted.due(11_499)).toBe(false);
      expect(shifted.due(11_500)).toBe(true);
      // a late write (a long batch before it) does not move the next time
      await plain.write([], [], 11_950);
      expect(plain.due(12_000)).toBe(true);
      expect(new ChangelogStore(log, 'c', 'test/1', 0).due(0)).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('keep two stores half an interval apart when each is written at the first batch after it is due', async () => {
    const log = new MemoryLog({ partitions: 1 });
    try {
      const users = new ChangelogStore(log, 'users', 'test/1', 5_000);
      const items = new ChangelogStore(log, 'items', 'test/1', 5_000, null, 2_500);
      const written: Array<[string, number]> = [];
      // batches at uneven times, a commit sometimes waiting behind a long one
      let t = 1_000_000;
      for (let n = 0; n < 20_000; n++) {
        t += 3 + ((n * 7919) % 40) + (n % 997 === 0 ? 900 : 0);
        for (const [name, store] of [
          ['users', users],
          ['items', items],
        ] as const) {
          if (!store.due(t)) continue;
          await store.write([], [], t);
          written.push([name, t]);
        }
      }
      // the first write of each is at the first batch (nothing written yet); from then on they keep apart
      const at = (name: string) =>
        written
          .filter(([n]) => n === name)
          .slice(1)
          .map(([, w]) => w);
      expect(at('users').length).toBeGreaterThan(50);
      expect(at('items').length).toBeGreaterThan(50);
      const closest = Math.min(...at('users').map((u) => Math.min(...at('items').map((i) => Math.abs(u - i)))));
      expect(closest).toBeGreaterThan(1_000);
    } finally {
      await log.close();
    }
  });
});
