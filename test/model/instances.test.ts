import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { type ModelConfigInput, Recommender, type RecommendResult } from '../../src/model/index.js';
import { modelWithState, randomStream, T0, view } from './helpers.js';

interface Run {
  config: ModelConfigInput;
  events: ReturnType<typeof randomStream>;
  users: number;
}

/** What a model answers along its stream: lists for a few users every 200 events, then its digest. */
function answers(run: Run): { lists: RecommendResult[]; digest: unknown } {
  const model = new Recommender(run.config);
  const lists: RecommendResult[] = [];
  run.events.forEach((_, k) => {
    step(model, run, k, lists);
    again(model, run, k, lists);
  });
  return { lists, digest: model.digest() };
}

/** Learns the k-th event; every 200 events answers a few users. */
function step(model: Recommender, run: Run, k: number, lists: RecommendResult[]): void {
  const e = run.events[k];
  model.learnOne(e);
  if (k % 200 !== 199) return;
  for (let u = k % 7; u < run.users; u += 7) lists.push(model.recommend(`u${u}`, { limit: 10, now: e.timestamp }));
}

/** The last user of step's answers again, at the same time: from the memoised candidate pool. */
function again(model: Recommender, run: Run, k: number, lists: RecommendResult[]): void {
  if (k % 200 !== 199) return;
  let u = k % 7;
  while (u + 7 < run.users) u += 7;
  lists.push(model.recommend(`u${u}`, { limit: 10, now: run.events[k].timestamp }));
}

describe('two models in one process', () => {
  it('give each the lists it gives alone when their learning and answering interleave', () => {
    // different sizes, decays and item caps: each gathering of one model runs over the other's
    const a: Run = { config: {}, events: randomStream(3000, 21, 60, 80), users: 60 };
    const b: Run = {
      config: { maxItems: 40, historyLength: 12, neighbors: 8, candidates: { positionDecay: 0.7, historyItems: 6 } },
      events: randomStream(3000, 22, 90, 300),
      users: 90,
    };
    const aloneA = answers(a);
    const aloneB = answers(b);

    const modelA = new Recommender(a.config);
    const modelB = new Recommender(b.config);
    const listsA: RecommendResult[] = [];
    const listsB: RecommendResult[] = [];
    for (let k = 0; k < a.events.length; k++) {
      // each model's memoised pool is asked for again after the other model has gathered
      step(modelA, a, k, listsA);
      step(modelB, b, k, listsB);
      again(modelA, a, k, listsA);
      again(modelB, b, k, listsB);
    }
    expect(listsA.length).toBeGreaterThan(100);
    expect(listsA.some((r) => r.items.some((i) => !i.reasons.includes('trending')))).toBe(true);
    expect(listsA).toEqual(aloneA.lists);
    expect(listsB).toEqual(aloneB.lists);
    expect(modelA.digest()).toEqual(aloneA.digest);
    expect(modelB.digest()).toEqual(aloneB.digest);
  });

  it('a model no longer referenced leaves nothing of its items reachable', async () => {
    const v8Gc = (): void => {
      v8.setFlagsFromString('--expose-gc');
      (vm.runInNewContext('gc') as () => void)();
    };
    // built in a function of its own, so nothing on this stack holds the model
    const item = ((): WeakRef<object> => {
      const { model, state } = modelWithState({ minSupportUsers: 1 });
      for (let u = 0; u < 20; u++) {
        model.learnOne(view(`a${u}`, `u${u}`, 'held', T0 + u * 1000));
        model.learnOne(view(`b${u}`, `u${u}`, `other${u % 3}`, T0 + u * 1000 + 1));
      }
      expect(model.recommend('u0', { limit: 5, now: T0 + 30_000 }).items.length).toBeGreaterThan(0);
      return new WeakRef(state.similarity.nodes.get('held') as object);
    })();
    // a WeakRef keeps its target alive until the job that made it ends
    await new Promise((resolve) => setImmediate(resolve));
    v8Gc();
    v8Gc();
    expect(item.deref()).toBeUndefined();
  });
});
