import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { rowRecords } from '../../src/engine/internal-records.js';
import { NeighborFollower } from '../../src/engine/neighbor-follower.js';
import { MemoryLog } from '../../src/log/memory.js';
import { silentLogger } from '../../src/logger.js';
import { ItemSide } from '../../src/model/item-side.js';
import type { NeighborRecord } from '../../src/model/neighbor-row.js';
import { NeighborTable } from '../../src/model/neighbor-table.js';
import { ModelState } from '../../src/model/state.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });
const topic = config.topics.itemNeighbors;
const ITEMS = 400;

function row(k: number): NeighborRecord {
  const peers = [1, 2, 3].map((d) => `i${(k + d) % ITEMS}`);
  return {
    item: `i${k}`,
    neighbors: { ids: peers, values: [0.9, 0.5, 0.1] },
    follows: { ids: [], values: [] },
    norm2: 1 + k,
    t0: null,
    trend: k,
    trendT0: null,
    popularity: 1,
    price: 0,
  };
}

/**
 * A follower (rows read `rowsSliceMs` at a time) of a table of ITEMS rows written in one produce,
 * while other work takes turns of the event loop: how many rows the table held at each of its turns.
 */
async function followBesideOtherWork(rowsSliceMs: number): Promise<{ seen: number[]; table: NeighborTable }> {
  const log = new MemoryLog({ partitions: 1 });
  const table = new NeighborTable(config.model.trendingHalfLifeHours);
  const follower = new NeighborFollower(config, log, table, new ItemSide(new ModelState(config.model)), silentLogger(), rowsSliceMs);
  const held = (): number => {
    let n = 0;
    for (let k = 0; k < ITEMS; k++) if (table.row(`i${k}`) !== undefined) n++;
    return n;
  };
  try {
    await log.ensureTopics([{ topic, partitions: 1 }]);
    await log.produce(
      rowRecords(
        Array.from({ length: ITEMS }, (_, k) => [`i${k}`, row(k)] as [string, NeighborRecord]),
        topic,
      ),
    );
    const seen: number[] = [];
    await follower.start();
    while (!(await follower.settled())) {
      seen.push(held());
      await nextTurn();
    }
    seen.push(held());
    return { seen, table };
  } finally {
    await follower.stop();
    await log.close();
  }
}

describe('the neighbour table follower', () => {
  it('reads a large batch of rows in slices, letting other work run between them, into the same table', async () => {
    const sliced = await followBesideOtherWork(0);
    const whole = await followBesideOtherWork(Number.POSITIVE_INFINITY);
    // other work saw the table part-way through the batch: it ran between slices
    expect(sliced.seen.some((n) => n > 0 && n < ITEMS)).toBe(true);
    // without slices a batch is read at once: never seen half read
    expect(whole.seen.every((n) => n === 0 || n === ITEMS)).toBe(true);
    for (const { seen, table } of [sliced, whole]) {
      expect(seen.at(-1)).toBe(ITEMS);
      expect(table.similar('i7', 3)).toEqual([
        { itemId: 'i8', score: 0.9 },
        { itemId: 'i9', score: 0.5 },
        { itemId: 'i10', score: 0.1 },
      ]);
    }
  });
});
