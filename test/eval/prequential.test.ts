import { describe, expect, it } from 'vitest';
import { PopularityBaseline } from '../../src/eval/baselines/popularity.js';
import type { Contender } from '../../src/eval/contender.js';
import type { Interaction } from '../../src/eval/interactions.js';
import { evaluationOrder, runPrequential } from '../../src/eval/prequential.js';
import { readInteractionText } from '../helpers/interaction-text.js';

/**
 * File order differs from time order on purpose (r7 is early, r8/r9 tie). Time order:
 * r1 u1 A 10 · r2 u2 A 20 · r7 u3 A 25 · r3 u3 B 30 · r4 u2 B 40 · r5 u1 C 50 · r6 u1 A 60 · r8 u4 C 70 · r9 u4 B 70
 */
const LOG = [
  'userId,itemId,timestamp,rating',
  'u1,A,10,5', // r1
  'u2,A,20,4', // r2
  'u3,B,30,5', // r3
  'u2,B,40,2', // r4
  'u1,C,50,5', // r5
  'u1,A,60,5', // r6
  'u3,A,25,5', // r7
  'u4,C,70,3', // r8
  'u4,B,70,5', // r9
].join('\n');

describe('prequential protocol', () => {
  it('scores popularity@2 exactly as the rules say on a hand-checked log', async () => {
    const { interactions } = await readInteractionText(LOG);
    // Walking the rules by hand (counts are of events learned so far; lists drop the user's seen items):
    //  r1, r2, r7: first event of u1, u2, u3 → not scored.
    //  r3 u3→B: u3 saw A; known items {A:3} minus A → [] → miss.
    //  r4 u2→B: counts A3 B1, minus A → [B] → hit at rank 1, gain 1.
    //  r5 u1→C: counts A3 B2, minus A → [B] → miss (C unseen so far).
    //  r6 u1→A: repeated pair → learned, not scored.
    //  r8 u4→C: first event of u4 (tie with r9, file order first) → not scored.
    //  r9 u4→B: counts A4 B2 C2, minus C → [A, B] → hit at rank 2, gain 1/log2(3).
    const result = runPrequential(interactions, [new PopularityBaseline()], { k: 2 });
    expect(result.events).toBe(9);
    expect(result.evaluated).toBe(4);
    expect(result.users).toBe(4);
    expect(result.items).toBe(3);
    const [pop] = result.contenders;
    expect(pop.hits).toBe(2);
    expect(pop.recall).toBeCloseTo(2 / 4, 12);
    expect(pop.ndcg).toBeCloseTo((1 + 1 / Math.log2(3)) / 4, 12);
  });

  it('keeps only rows rated at least --min-rating', async () => {
    const { interactions } = await readInteractionText(LOG);
    // without r4 (2) and r8 (3), time order: r1 u1A · r2 u2A · r7 u3A · r3 u3B · r5 u1C · r6 u1A · r9 u4B
    //  r3 u3→B: [] miss · r5 u1→C: counts A3 B1 minus A → [B] miss · r6 repeat · r9: u4's first → not scored.
    const result = runPrequential(interactions, [new PopularityBaseline()], { k: 2, minRating: 4 });
    expect(result.events).toBe(7);
    expect(result.evaluated).toBe(2);
    expect(result.contenders[0].hits).toBe(0);
  });

  it('sorts stably by time and applies --limit to the time order', async () => {
    const { interactions } = await readInteractionText(LOG);
    const order = evaluationOrder(interactions, { limit: 4 }).map((i) => `${i.userId}${i.itemId}`);
    expect(order).toEqual(['u1A', 'u2A', 'u3A', 'u3B']);
    const ties = evaluationOrder(interactions, {})
      .slice(-2)
      .map((i) => `${i.userId}${i.itemId}`);
    expect(ties).toEqual(['u4C', 'u4B']);
  });

  it('asks every contender for its list before any of them learns the event', () => {
    // A contender that could only hit by peeking: it recommends the item it learned last.
    class LastLearned implements Contender {
      readonly name: string;
      last: string | null = null;
      constructor(name: string) {
        this.name = name;
      }
      recommend(): string[] {
        return this.last === null ? [] : [this.last];
      }
      learn(interaction: Interaction): void {
        this.last = interaction.itemId;
      }
    }
    const log: Interaction[] = Array.from({ length: 50 }, (_, i) => ({
      userId: 'u',
      itemId: `i${i}`,
      timestamp: i,
      type: 'click',
      rating: null,
      price: null,
      sessionId: null,
    }));
    const result = runPrequential(log, [new LastLearned('a'), new LastLearned('b')], { k: 5 });
    expect(result.evaluated).toBe(49);
    expect(result.contenders.map((c) => c.hits)).toEqual([0, 0]);
  });

  it('hands the contender every item the user saw so far, however long ago', () => {
    const seenAtScore: string[][] = [];
    const probe: Contender = {
      name: 'probe',
      recommend(_u, _k, _now, seen) {
        seenAtScore.push([...seen].sort());
        return [];
      },
      learn() {},
    };
    const log: Interaction[] = ['x', 'y', 'x', 'z'].map((itemId, i) => ({
      userId: 'u',
      itemId,
      timestamp: i,
      type: 'view',
      rating: null,
      price: null,
      sessionId: null,
    }));
    runPrequential(log, [probe], { k: 3 });
    expect(seenAtScore).toEqual([['x'], ['x', 'y']]);
  });

  it('rejects a k that is not a positive integer', () => {
    expect(() => runPrequential([], [new PopularityBaseline()], { k: 0 })).toThrow(/k must be/);
  });
});
