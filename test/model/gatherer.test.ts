import { describe, expect, it } from 'vitest';
import { CandidateGatherer, type CandidateSources, topCandidates } from '../../src/model/index.js';
import { neighborRecord } from '../../src/model/neighbor-row.js';
import { NeighborTable } from '../../src/model/neighbor-table.js';
import { modelWithState, randomStream } from './helpers.js';

describe('candidate gatherer', () => {
  const { model, state } = modelWithState();
  for (const e of randomStream(3000, 31, 40, 60)) model.learnOne(e);
  const sources: CandidateSources = { items: model.items, weightFactor: 1 };
  const tuning = state.config.candidates;
  const users = [...state.users.values()].slice(0, 10);
  const keepAll = (): boolean => true;

  it('tops the gathered pool as topCandidates does over all its candidates', () => {
    const gatherer = new CandidateGatherer();
    for (const user of users) {
      const pool = gatherer.gather(user, sources, tuning);
      const all = gatherer.all(pool);
      expect(all.length).toBeGreaterThan(30);
      expect(gatherer.top(pool, 10, keepAll)).toEqual(topCandidates(all, 10, keepAll));
    }
  });

  it("leaves the user's own items out with unseenOnly, on the owner's view and on the global table", () => {
    const table = new NeighborTable(state.config.trendingHalfLifeHours);
    for (const id of state.similarity.nodes.keys()) {
      const row = neighborRecord(model.items, id);
      if (row !== null) table.apply(row);
    }
    const odd = (id: string): boolean => id.charCodeAt(id.length - 1) % 2 === 1;
    let seenInPools = 0;
    for (const items of [model.items, table]) {
      const gatherer = new CandidateGatherer();
      for (const user of [...state.users.values()].slice(0, 40)) {
        const pool = gatherer.gather(user, { items, weightFactor: 1 }, tuning);
        const all = gatherer.all(pool);
        seenInPools += all.filter((c) => user.items.has(c.itemId)).length;
        // each candidate says whether it is the user's own (the ranker's seen feature reads it)
        expect(all.map((c) => c.seen)).toEqual(all.map((c) => user.items.has(c.itemId)));
        const unseen = (id: string): boolean => !user.items.has(id);
        expect(gatherer.top(pool, 10, null, true)).toEqual(topCandidates(all, 10, unseen));
        expect(gatherer.top(pool, 10, odd, true)).toEqual(topCandidates(all, 10, (id) => unseen(id) && odd(id)));
        expect(gatherer.top(pool, 10, null)).toEqual(topCandidates(all, 10, keepAll));
      }
    }
    // the filter was exercised: pools hold their users' own items
    expect(seenInPools).toBeGreaterThan(40);
  });

  it("reads an item's facts in one call as its three lookups by id give them, with or without a right index", () => {
    const table = new NeighborTable(state.config.trendingHalfLifeHours);
    for (const id of state.similarity.nodes.keys()) {
      const row = neighborRecord(model.items, id);
      if (row !== null) table.apply(row);
    }
    table.remove([...state.similarity.nodes.keys()][3]);
    let priced = 0;
    for (const items of [model.items, table]) {
      for (const row of items.rows) {
        const want = { trend: items.trendingStored(row.id), popularity: items.popularity(row.id), price: items.priceOf(row.id) };
        if (want.price > 0 && want.trend > 0) priced++;
        const out = { trend: -1, popularity: -1, price: -1 };
        expect(items.itemFacts(row.id, row.index, out)).toEqual(want);
        expect(items.itemFacts(row.id, -1, out)).toEqual(want);
        // an index naming another row: the id decides
        expect(items.itemFacts(row.id, (row.index + 1) % items.rows.length, out)).toEqual(want);
      }
      expect(items.itemFacts('no-such-item', 0, { trend: -1, popularity: -1, price: -1 })).toEqual({ trend: 0, popularity: 0, price: 0 });
    }
    expect(priced).toBeGreaterThan(20);
  });

  it('says a gathering could hold every candidate its pool holds, and holds none it says no to, on both views', () => {
    const table = new NeighborTable(state.config.trendingHalfLifeHours);
    for (const id of state.similarity.nodes.keys()) {
      const row = neighborRecord(model.items, id);
      if (row !== null) table.apply(row);
    }
    let refused = 0;
    for (const items of [model.items, table]) {
      const gatherer = new CandidateGatherer();
      const sources = { items, weightFactor: 1 };
      for (const user of [...state.users.values()].slice(0, 40)) {
        const inPool = new Set(gatherer.all(gatherer.gather(user, sources, tuning)).map((c) => c.index));
        for (let i = 0; i < items.rows.length; i++) {
          const may = gatherer.mayHold(user, sources, tuning, [i]);
          if (inPool.has(i)) expect(may).toBe(true);
          if (!may) refused++;
        }
        // any of several: one candidate among items the pool does not hold is enough
        const outside = [...Array(items.rows.length).keys()].filter((i) => !inPool.has(i)).slice(0, 3);
        for (const i of inPool) {
          expect(gatherer.mayHold(user, sources, tuning, [...outside, i])).toBe(true);
          break;
        }
      }
    }
    // the answer no was given, for items that are nobody's candidate here
    expect(refused).toBeGreaterThan(100);
  });

  it('reads the rows a gathering reads, in its order, whatever it is asked (a row read may bring it up to date)', () => {
    const reads = (ask: (g: CandidateGatherer, s: CandidateSources) => void): string[] => {
      const log: string[] = [];
      const items = new Proxy(model.items, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (key !== 'row' && key !== 'follows') return typeof value === 'function' ? value.bind(target) : value;
          return (id: string) => {
            log.push(`${String(key)}:${id}`);
            return value.call(target, id);
          };
        },
      });
      ask(new CandidateGatherer(), { items, weightFactor: 1 });
      return log;
    };
    let read = 0;
    for (const user of users) {
      const gathered = reads((g, s) => g.gather(user, s, tuning));
      expect(gathered.some((r) => r.startsWith('follows:'))).toBe(true);
      // asked for nothing, or for what no row names: every row is read all the same
      expect(reads((g, s) => g.mayHold(user, s, tuning, []))).toEqual(gathered);
      expect(reads((g, s) => g.mayHold(user, s, tuning, [-7]))).toEqual(gathered);
      read += gathered.length;
    }
    expect(read).toBeGreaterThan(50);
  });

  it('refuses a pool replaced by a later gathering', () => {
    const gatherer = new CandidateGatherer();
    const first = gatherer.gather(users[0], sources, tuning);
    gatherer.gather(users[1], sources, tuning);
    expect(gatherer.isCurrent(first)).toBe(false);
    expect(() => gatherer.top(first, 10, keepAll)).toThrow(/replaced/);
  });

  it('gathers the same pools across the wrap of its 32-bit stamps', () => {
    const fresh = new CandidateGatherer();
    // copies: top's objects are reused by its next call
    const lists = users.map((user) =>
      fresh.top(fresh.gather(user, sources, tuning), 20, keepAll).map((c) => ({ ...c, supporters: [...c.supporters] })),
    );
    expect(lists.some((list) => list.some((c) => c.support > 1))).toBe(true);
    const old = new CandidateGatherer();
    // ~2^31 gatherings later: a long-running engine gathers for every event
    (old as unknown as { stamp: number }).stamp = 0x7fffffff - 4;
    users.forEach((user, k) => {
      const top = old.top(old.gather(user, sources, tuning), 20, keepAll);
      expect(top, `user ${k}`).toEqual(lists[k]);
    });
  });
});
