import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { deltaRecords } from '../../src/engine/internal-records.js';
import { ItemOwner } from '../../src/engine/item-owner.js';
import { MemoryLog } from '../../src/log/memory.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { ItemDeltaBatch } from '../../src/model/item-delta.js';
import { ItemSide } from '../../src/model/item-side.js';
import { neighborRecord } from '../../src/model/neighbor-row.js';
import { ModelState } from '../../src/model/state.js';
import { UserSide } from '../../src/model/user-side.js';
import { waitFor } from '../helpers/app.js';
import { dyingInCommit } from '../helpers/dying-log.js';
import { randomStream } from '../model/helpers.js';

// commits only when asked (the first batch's, and the one at stop); rows only when asked
const config = loadConfig({ LOG_LEVEL: 'silent', MODEL_MIN_SUPPORT_USERS: '1', NEIGHBOR_PUBLISH_MS: '60000', STATE_COMMIT_MS: '60000' });
const { itemDeltas, itemState, itemNeighbors } = config.topics;

function ownerOn(log: MemoryLog): { owner: ItemOwner; items: ItemSide } {
  const items = new ItemSide(new ModelState(config.model));
  return { owner: new ItemOwner(config, log, items, new Metrics({ defaultMetrics: false }), silentLogger()), items };
}

/** Deltas of `events` learnt as one input batch of partition 0 from offset `from`, produced to item-deltas. */
async function produceDeltas(log: MemoryLog, users: UserSide, events: ReturnType<typeof randomStream>, from: number): Promise<string[]> {
  const batch = new ItemDeltaBatch(() => users.landmark);
  const view = new ItemSide(new ModelState(config.model));
  for (const e of events) users.learnOne(e, batch, view);
  const deltas = batch.take({ topic: 'clicks', partition: 0, from, to: from + events.length });
  await log.produce(deltaRecords(deltas, itemDeltas, 2));
  return deltas.map((d) => d.item);
}

/**
 * What an owner holds of an item: its record, the cached row left out (rows are derived, recomputed
 * when their owner gets to it), and its row as computed now.
 */
function heldOf(items: ItemSide, id: string): string {
  const record = items.record(id);
  items.markAllOwned();
  return JSON.stringify([record === null ? null : { ...record, node: { ...record.node, row: null } }, neighborRecord(items, id)]);
}

/** Waits until the owner has applied every delta and published the rows of what it changed. */
const settled = (owner: ItemOwner) =>
  waitFor(
    async () => {
      await owner.publish(true);
      return owner.settled();
    },
    (ok) => ok,
  );

describe('an item-state commit cut short by a crash', () => {
  // the records of a commit may land without its checkpoint (a crash between produce requests, or a
  // write cut short): the owner restoring them replays the deltas after the last checkpoint, and an
  // item whose record already holds some of them must not get them twice
  it.each([
    ['every record of the commit landed', 1, false],
    ['half of them landed', 0.5, false],
    // its group commits after the deltas are applied, asynchronously: a crash can lose them
    ["half of them landed, the group's commits lost", 0.5, true],
  ])(
    'restores every item as the crashed owner held it (%s): deltas a record holds are not applied again',
    async (_, landed, commitsLost) => {
      const log = new MemoryLog({ partitions: 2 });
      const dying = dyingInCommit(log, itemState, landed, { commitsLost });
      const { owner: first, items: firstItems } = ownerOn(dying.log);
      const { owner: second, items: secondItems } = ownerOn(log);
      try {
        await log.ensureTopics([itemDeltas, itemState, itemNeighbors].map((topic) => ({ topic, partitions: 2 })));
        await first.start();
        const users = new UserSide(new ModelState(config.model));
        const events = randomStream(600, 11, 40, 30);
        // a first commit is due at once: the first delta batch is checkpointed
        const ids = new Set(await produceDeltas(log, users, events.slice(0, 300), 0));
        await settled(first);
        await first.stateWritten();
        const stateRecords = async () =>
          Number((await log.offsets({ topic: itemState, partition: 0 })).high) +
          Number((await log.offsets({ topic: itemState, partition: 1 })).high);
        const checkpointed = await stateRecords();
        for (const id of await produceDeltas(log, users, events.slice(300), 300)) ids.add(id);
        await settled(first);
        const held = new Map([...ids].map((id) => [id, heldOf(firstItems, id)]));

        // stopping writes the items changed since: the process dies before the checkpoints land
        await dying.stopDying(first);
        expect(await stateRecords(), 'records of the cut commit landed').toBeGreaterThan(checkpointed);

        await second.start();
        await settled(second);
        const restored = new Map([...ids].map((id) => [id, heldOf(secondItems, id)]));
        const differing = [...ids].filter((id) => restored.get(id) !== held.get(id));
        expect(differing.length, `items restored unlike the crashed owner held them: ${differing.slice(0, 5).join(', ')}`).toBe(0);
        expect(ids.size).toBeGreaterThan(20);
      } finally {
        await second.stop();
        await log.close();
      }
    },
  );
});
