import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { deltaRecords } from '../../src/engine/internal-records.js';
import { ItemOwner } from '../../src/engine/item-owner.js';
import { MemoryLog } from '../../src/log/memory.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { ItemDeltaBatch } from '../../src/model/item-delta.js';
import { ItemSide } from '../../src/model/item-side.js';
import { ModelState } from '../../src/model/state.js';
import { UserSide } from '../../src/model/user-side.js';
import { waitFor } from '../helpers/app.js';
import { processView } from '../helpers/process-view.js';
import { randomStream } from '../model/helpers.js';

// no timer publishes or commits during the test: it asks for each publication itself
const config = loadConfig({ LOG_LEVEL: 'silent', MODEL_MIN_SUPPORT_USERS: '1', NEIGHBOR_PUBLISH_MS: '60000', STATE_COMMIT_MS: '60000' });
const { itemDeltas, itemState, itemNeighbors } = config.topics;

/**
 * An owner (rows scored `rowsSliceMs` at a time) of every item of a random stream, all applied; then
 * one publication of their rows, while other work asks for a turn of the event loop again and again.
 * Returns the items whose rows were produced and how many turns the other work had before they were.
 */
async function publishBesideOtherWork(
  rowsSliceMs: number,
  onFirstTurn: (side: ItemSide, items: readonly string[]) => void = () => undefined,
): Promise<{ items: string[]; turnsBeforeRows: number; held: number; next: string[] }> {
  const log = new MemoryLog({ partitions: 1 });
  let turns = 0;
  let turnsBeforeRows = -1;
  const items: string[] = [];
  const { log: view } = processView(log, {
    produce: (records, write) => {
      const rows = records.filter((r) => r.topic === itemNeighbors);
      if (rows.length > 0 && turnsBeforeRows < 0) turnsBeforeRows = turns;
      for (const r of rows) items.push(String(r.key));
      return write(records);
    },
  });
  const side = new ItemSide(new ModelState(config.model));
  const owner = new ItemOwner(config, view, side, new Metrics({ defaultMetrics: false }), silentLogger(), rowsSliceMs);
  try {
    await log.ensureTopics([itemDeltas, itemState, itemNeighbors].map((topic) => ({ topic, partitions: 1 })));
    await owner.start();
    const users = new UserSide(new ModelState(config.model));
    const events = randomStream(400, 5, 40, 120);
    const batch = new ItemDeltaBatch(() => users.landmark);
    for (const e of events) users.learnOne(e, batch, new ItemSide(new ModelState(config.model)));
    const deltas = batch.take({ topic: 'clicks', partition: 0, from: 0, to: events.length });
    await log.produce(deltaRecords(deltas, itemDeltas, 1));
    const last = deltas[deltas.length - 1].item;
    await waitFor(
      () => side.record(last),
      (record) => record !== null,
    );

    let working = true;
    const otherWork = (async () => {
      while (working) {
        await nextTurn();
        if (turns++ === 0)
          onFirstTurn(
            side,
            deltas.map((d) => d.item),
          );
      }
    })();
    await owner.publish(true);
    working = false;
    await otherWork;
    const published = items.length;
    await owner.publish(true);
    return {
      items: items.slice(0, published),
      turnsBeforeRows,
      held: new Set(deltas.map((d) => d.item)).size,
      next: items.slice(published),
    };
  } finally {
    await owner.stop();
    await log.close();
  }
}

describe('an item owner publishing its rows', () => {
  it('scores a publication’s rows in slices, letting other work run between them, and publishes each changed item once', async () => {
    const sliced = await publishBesideOtherWork(0);
    const whole = await publishBesideOtherWork(Number.POSITIVE_INFINITY);
    // a slice of 0 ms gives other work a turn after every group of rows: ~120 items, groups of 16
    expect(sliced.turnsBeforeRows).toBeGreaterThanOrEqual(5);
    // without slices the rows are made and produced before anything else runs
    expect(whole.turnsBeforeRows).toBe(0);
    for (const run of [sliced, whole]) {
      expect(run.items.length).toBe(run.held);
      expect(new Set(run.items).size).toBe(run.held);
    }
    expect([...sliced.items].sort()).toEqual([...whole.items].sort());
  });

  it('publishes an item changed during a publication again only when its row was made before the change', async () => {
    let first = '';
    let last = '';
    const run = await publishBesideOtherWork(0, (side, items) => {
      // between the first slice and the rest: the first item's row is made, the last one's is not
      first = items[0];
      last = items[items.length - 1];
      side.touch(first, Date.now());
      side.touch(last, Date.now());
    });
    expect(run.items[0]).toBe(first);
    expect(run.items.at(-1)).toBe(last);
    expect(run.next).toEqual([first]);
  });
});

describe('an item owner’s publication timer', () => {
  it('skips its ticks while a publication is under way instead of queueing publications behind it', async () => {
    const fast = loadConfig({ LOG_LEVEL: 'silent', MODEL_MIN_SUPPORT_USERS: '1', NEIGHBOR_PUBLISH_MS: '10', STATE_COMMIT_MS: '60000' });
    const log = new MemoryLog({ partitions: 1 });
    const side = new ItemSide(new ModelState(fast.model));
    let land = (): void => undefined;
    const landing = new Promise<void>((resolve) => {
      land = resolve;
    });
    let holding = true;
    let rowWrites = 0;
    let changed = '';
    const { log: view } = processView(log, {
      produce: async (records, write) => {
        if (records.some((r) => r.topic === fast.topics.itemNeighbors)) {
          rowWrites++;
          // every publication leaves an item changed for the next one
          if (changed !== '') side.touch(changed, Date.now());
          if (holding) {
            holding = false;
            await landing;
          }
        }
        return write(records);
      },
    });
    const owner = new ItemOwner(fast, view, side, new Metrics({ defaultMetrics: false }), silentLogger());
    try {
      await log.ensureTopics(
        [fast.topics.itemDeltas, fast.topics.itemState, fast.topics.itemNeighbors].map((topic) => ({ topic, partitions: 1 })),
      );
      const users = new UserSide(new ModelState(fast.model));
      const events = randomStream(200, 9, 20, 40);
      const batch = new ItemDeltaBatch(() => users.landmark);
      for (const e of events) users.learnOne(e, batch, new ItemSide(new ModelState(fast.model)));
      const deltas = batch.take({ topic: 'clicks', partition: 0, from: 0, to: events.length });
      changed = deltas[0].item;
      await log.produce(deltaRecords(deltas, fast.topics.itemDeltas, 1));
      await owner.start();
      // the timer's first publication with rows is held by a slow write while ~20 ticks pass
      await waitFor(
        () => rowWrites,
        (n) => n === 1,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(rowWrites).toBe(1);
      const before = rowWrites;
      land();
      await owner.publish(true);
      // the held publication ends and this one runs: no tick queued behind the held one ran between
      expect(rowWrites - before).toBe(1);
    } finally {
      land();
      await owner.stop();
      await log.close();
    }
  });
});
