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
const rowsTopic = config.topics.itemNeighbors;

function ownerOn(log: MemoryLog): { owner: ItemOwner; items: ItemSide } {
  const items = new ItemSide(new ModelState(config.model));
  return { owner: new ItemOwner(config, log, items, new Metrics({ defaultMetrics: false }), silentLogger()), items };
}

/** `log` as one process sees it whose next write of rows is held by a slow broker until `land` is called. */
function slowRowsTo(log: MemoryLog): { log: MemoryLog; land: () => void; landed: () => boolean } {
  let land = (): void => undefined;
  const held = new Promise<void>((resolve) => {
    land = resolve;
  });
  let holding = true;
  let landed = false;
  const { log: view } = processView(log, {
    produce: async (records, write) => {
      if (holding && records.some((r) => r.topic === rowsTopic)) {
        holding = false;
        await held;
        await write(records);
        landed = true;
        return;
      }
      await write(records);
    },
  });
  return { log: view, land, landed: () => landed };
}

describe('an item owner giving up a partition', () => {
  // a compacted table keeps the last row of an item: a row the old owner wrote after the new owner's
  // would stand until the item changed again
  it('lets the rows it is writing land before the partition goes to another owner', async () => {
    const log = new MemoryLog({ partitions: 2 });
    const slow = slowRowsTo(log);
    const { owner: first, items: firstItems } = ownerOn(slow.log);
    const { owner: second } = ownerOn(log);
    try {
      const { itemDeltas, itemState } = config.topics;
      await log.ensureTopics([itemDeltas, itemState, rowsTopic].map((topic) => ({ topic, partitions: 2 })));
      await first.start();
      const users = new UserSide(new ModelState(config.model));
      const events = randomStream(300, 7, 30, 20);
      const batch = new ItemDeltaBatch(() => users.landmark);
      const view = new ItemSide(new ModelState(config.model));
      for (const e of events) users.learnOne(e, batch, view);
      const deltas = batch.take({ topic: 'clicks', partition: 0, from: 0, to: events.length });
      await log.produce(deltaRecords(deltas, config.topics.itemDeltas, 2));
      await waitFor(
        () => firstItems.record(deltas[0].item),
        (record) => record !== null,
      );

      // the first owner's rows are on their way when the second joins the group
      const publishing = first.publish(true);
      let joined = false;
      const secondJoins = second.start().then(() => {
        joined = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(slow.landed()).toBe(false);
      expect(joined, 'the partition went to the second owner while the first one’s rows were still being written').toBe(false);

      slow.land();
      await publishing;
      await secondJoins;
      const rows = await log.offsets({ topic: rowsTopic, partition: 0 });
      const rowsOther = await log.offsets({ topic: rowsTopic, partition: 1 });
      expect(Number(rows.high) + Number(rowsOther.high)).toBeGreaterThan(0);
    } finally {
      slow.land();
      await second.stop();
      await first.stop();
      await log.close();
    }
  });
});
