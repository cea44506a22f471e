import type { ModelStats } from '../model/types.js';
import type { Contender } from './contender.js';
import type { Interaction } from './interactions.js';

export interface PrequentialOptions {
  k: number;
  /** Keep only rows rated ≥ this (rows without a rating are dropped too). */
  minRating?: number | null;
  /** Evaluate only the first N events in time order. */
  limit?: number | null;
  /** Called every `progressEvery` events with the count so far. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

export interface ContenderResult {
  name: string;
  hits: number;
  recall: number;
  ndcg: number;
  /** Wall time spent in this contender's recommend and learn calls. */
  seconds: number;
  /** events / seconds: the contender's own learn + recommend throughput. */
  eventsPerSecond: number;
  stats: ModelStats | null;
}

export interface PrequentialResult {
  events: number;
  /** Scored events: the user had an earlier interaction and the (user, item) pair was new. */
  evaluated: number;
  k: number;
  users: number;
  items: number;
  contenders: ContenderResult[];
}

/** The evaluated order: rating filter, then a stable sort by time (ties keep file order), then the limit. */
export function evaluationOrder(interactions: readonly Interaction[], options: Pick<PrequentialOptions, 'minRating' | 'limit'>): Interaction[] {
  const minRating = options.minRating ?? null;
  const kept = minRating === null ? [...interactions] : interactions.filter((i) => i.rating !== null && i.rating >= minRating);
  kept.sort((a, b) => a.timestamp - b.timestamp);
  const limit = options.limit ?? null;
  return limit === null ? kept : kept.slice(0, limit);
}

/**
 * Prequential test-then-learn (DESIGN.md §5), one pass, every contender on the same events: an event is
 * scored when its user has an earlier interaction and the pair is new; each contender's top-k (without
 * the user's seen items) is taken before any contender learns the event. Recall = hits / scored,
 * NDCG@k with one relevant item = 1 / log2(rank + 1).
 */
export function runPrequential(interactions: readonly Interaction[], contenders: readonly Contender[], options: PrequentialOptions): PrequentialResult {
  const { k } = options;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`k must be a positive integer, got ${k}`);
  const events = evaluationOrder(interactions, options);
  const seen = new Map<string, Set<string>>();
  const items = new Set<string>();
  const hits = contenders.map(() => 0);
  const gains = contenders.map(() => 0);
  const nanos = contenders.map(() => 0n);
  const every = options.progressEvery ?? 10_000;
  let evaluated = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    let userSeen = seen.get(event.userId);
    if (userSeen !== undefined && userSeen.size > 0 && !userSeen.has(event.itemId)) {
      evaluated++;
      for (let c = 0; c < contenders.length; c++) {
        const start = process.hrtime.bigint();
        const list = contenders[c].recommend(event.userId, k, event.timestamp, userSeen);
        nanos[c] += process.hrtime.bigint() - start;
        const rank = list.slice(0, k).indexOf(event.itemId);
        if (rank !== -1) {
          hits[c]++;
          gains[c] += 1 / Math.log2(rank + 2);
        }
      }
    }
    for (let c = 0; c < contenders.length; c++) {
      const start = process.hrtime.bigint();
      contenders[c].learn(event, index);
      nanos[c] += process.hrtime.bigint() - start;
    }
    if (userSeen === undefined) {
      userSeen = new Set();
      seen.set(event.userId, userSeen);
    }
    userSeen.add(event.itemId);
    items.add(event.itemId);
    if (options.onProgress !== undefined && (index + 1) % every === 0) options.onProgress(index + 1, events.length);
  }
  return {
    events: events.length,
    evaluated,
    k,
    users: seen.size,
    items: items.size,
    contenders: contenders.map((contender, c) => {
      const seconds = Number(nanos[c]) / 1e9;
      return {
        name: contender.name,
        hits: hits[c],
        recall: evaluated === 0 ? 0 : hits[c] / evaluated,
        ndcg: evaluated === 0 ? 0 : gains[c] / evaluated,
        seconds,
        eventsPerSecond: seconds > 0 ? events.length / seconds : 0,
        stats: contender.stats?.() ?? null,
      };
    }),
  };
}
