import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { UserStore } from '../../src/engine/user-store.js';
import { MemoryLog } from '../../src/log/memory.js';
import { Metrics } from '../../src/metrics.js';
import { Recommender } from '../../src/model/recommender.js';
import { HOUR, T0, view } from '../model/helpers.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });

/** A store over a fresh model. */
function storeOf(log: MemoryLog): { model: Recommender; store: UserStore } {
  const model = new Recommender(config.model);
  return { model, store: new UserStore(config, log, model, new Metrics({ defaultMetrics: false })) };
}

/** The item ids of each user a fresh process restores from the log's two user-state partitions. */
async function restoredHistories(log: MemoryLog, users: readonly string[]): Promise<Record<string, string[]>> {
  const { model, store } = storeOf(log);
  await store.restore(0, () => true);
  await store.restore(1, () => true);
  return Object.fromEntries(users.map((id) => [id, (model.users.record(id)?.history.items ?? []).map((entry) => entry[0])]));
}

/** Both input partitions applied up to `offset`. */
const progress = (offset: number) =>
  new Map([0, 1].map((p) => [p, { offsets: { [`clickstream:${p}`]: String(offset) }, events: offset }] as const));

describe('the user-state store', () => {
  it('writes each user as of its commit, also when a batch changes them or a rebalance takes them while the commit is written', async () => {
    const log = new MemoryLog({ partitions: 2 });
    try {
      const { model, store } = storeOf(log);
      const users = ['changed', 'moved', 'untouched'];
      for (const [k, userId] of users.entries()) model.learnOne(view(`e${k}`, userId, `before-${k}`, T0 + k));
      store.learntIn(0, ['changed', 'untouched']);
      store.learntIn(1, ['moved']);

      // the commit has taken its users; before it makes their records, a batch changes one and a
      // rebalance takes another away
      await store.commit(progress(3), {}, T0 + HOUR, () => {
        model.learnOne(view('late', 'changed', 'after', T0 + HOUR));
        model.users.release(store.release(new Set([1])), 0);
        expect(model.knowsUser('moved')).toBe(false);
      });
      expect(await restoredHistories(log, users)).toEqual({ changed: ['before-0'], moved: ['before-1'], untouched: ['before-2'] });

      // the change belongs to the next commit
      store.learntIn(0, ['changed']);
      expect(store.pending).toBe(true);
      await store.commit(progress(2), {}, T0 + 2 * HOUR);
      expect((await restoredHistories(log, ['changed'])).changed.sort()).toEqual(['after', 'before-0']);
    } finally {
      await log.close();
    }
  });
});
