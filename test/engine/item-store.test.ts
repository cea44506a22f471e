import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ItemStore } from '../../src/engine/item-store.js';
import { MemoryLog } from '../../src/log/memory.js';
import { Metrics } from '../../src/metrics.js';
import { type ItemDelta, ItemDeltaBatch } from '../../src/model/item-delta.js';
import { ItemSide } from '../../src/model/item-side.js';
import { ModelState } from '../../src/model/state.js';
import { UserSide } from '../../src/model/user-side.js';
import { randomStream } from '../model/helpers.js';

const config = loadConfig({ LOG_LEVEL: 'silent', MODEL_MIN_SUPPORT_USERS: '1', MODEL_ITEM_IDLE_DAYS: '30' });
const DAY = 86_400_000;

/** An item side and its store over `log`. */
function storeOf(log: MemoryLog): { items: ItemSide; store: ItemStore } {
  const items = new ItemSide(new ModelState(config.model));
  return { items, store: new ItemStore(config, log, items, new Metrics({ defaultMetrics: false })) };
}

/** Learns `events` as one input batch of partition 0 at `from`, returning its delta records. */
function learnBatch(users: UserSide, view: ItemSide, events: ReturnType<typeof randomStream>, from: number): ItemDelta[] {
  const batch = new ItemDeltaBatch(() => users.landmark);
  for (const e of events) users.learnOne(e, batch, view);
  return batch.take({ topic: 'clicks', partition: 0, from, to: from + events.length });
}

/** The record of every item a fresh process restores from the log's two item-state partitions, as JSON. */
async function restoredRecords(log: MemoryLog, ids: readonly string[]): Promise<Record<string, string>> {
  const { items, store } = storeOf(log);
  await store.restore(0);
  await store.restore(1);
  return Object.fromEntries(ids.map((id) => [id, JSON.stringify(items.record(id))]));
}

/** The ids whose records differ, with the first field that does. */
function differing(got: Record<string, string>, want: Record<string, string>): string[] {
  return Object.keys(want)
    .filter((id) => got[id] !== want[id])
    .map((id) => {
      const a = JSON.parse(got[id]) as Record<string, unknown> | null;
      const b = JSON.parse(want[id]) as Record<string, unknown> | null;
      if (a === null || b === null) return `${id}: ${a === null ? 'none restored' : 'restored one not written'}`;
      const field = Object.keys(b).find((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      return `${id}: ${field} ${JSON.stringify(a[field ?? '']).slice(0, 200)} ≠ ${JSON.stringify(b[field ?? '']).slice(0, 200)}`;
    });
}

/** Both item-deltas partitions applied up to `offset`. */
const applied = (offset: number) => new Map([0, 1].map((p) => [p, BigInt(offset)] as const));

describe('the item-state store', () => {
  const stream = randomStream(900, 5, 40, 50);

  it('writes each item as of its commit, also when deltas change items or items are forgotten while the commit is written', async () => {
    for (const during of ['deltas', 'forgetting'] as const) {
      const log = new MemoryLog({ partitions: 2 });
      try {
        const users = new UserSide(new ModelState(config.model));
        const { items, store } = storeOf(log);
        for (const d of learnBatch(users, items, stream.slice(0, 600), 0)) items.applyDelta(d, '0');
        const ids = [...new Set(stream.slice(0, 600).flatMap((e) => (e.kind === 'click' ? [e.itemId] : e.items.map((l) => l.itemId))))];
        // learnt first: the ranker reads rows, which refreshes them (derived, but in the records)
        const later = learnBatch(users, items, stream.slice(600), 600);
        const asCommitted = Object.fromEntries(ids.map((id) => [id, JSON.stringify(items.record(id))]));

        // the commit has taken its items; before it makes their records, deltas change most of them,
        // or idle expiry forgets every one
        await store.commit(applied(600), 2, Date.now(), () => {
          if (during === 'deltas') for (const d of later) items.applyDelta(d, '0');
          else expect(items.expireIdle(stream[599].timestamp + 60 * DAY)).toBe(ids.length);
        });
        const changed = later.filter(
          (d) => asCommitted[d.item] !== undefined && JSON.stringify(items.record(d.item)) !== asCommitted[d.item],
        );
        if (during === 'deltas') expect(changed.length).toBeGreaterThan(ids.length / 2);
        expect(differing(await restoredRecords(log, ids), asCommitted), during).toEqual([]);

        // what changed meanwhile belongs to the next commit
        expect(store.pending).toBe(true);
        await store.commit(applied(900), 2, Date.now());
        const now = Object.fromEntries(ids.map((id) => [id, JSON.stringify(items.record(id))]));
        expect(differing(await restoredRecords(log, ids), now)).toEqual([]);
      } finally {
        await log.close();
      }
    }
  });
});
