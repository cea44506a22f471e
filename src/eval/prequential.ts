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
export function evaluationOrder(
  interactions: readonly Interaction[],
  options: Pick<PrequentialOptions, 'minRating' | 'limit'>,
): Interaction[] {
  const minRating = options.minRating ?? null;
  const kept = minRating === null ? [...interactions] : interactions.filter((i) => i.rating !== null && i.rating >= minRating);
  kept.sort((a, b) => a.timestamp - b.timestamp);
  const limit = options.limit ?? null;
  return limit === null ? kept : kept.slice(0, limit);
}

/**
 * Prequential test-then-learn (README, "Evaluation protocol") on the same events for every contender: an event is
 * scored when its user has an earlier interaction and the pair is new; the contender's top-k (without
 * the user's seen items) is taken before it learns the event. Recall = hits / scored, NDCG@k with one
 * relevant item = 1 / log2(rank + 1).
 *
 * Contenders are independent, so each walks the log in its own pass: the result is the same as
 * interleaving them event by event, and one contender's memory traffic no longer lands in another's
 * timed calls (interleaved, the baselines evicted recstream's working set from the caches on every
 * event). Progress counts events over all passes.
 */
export function runPrequential(
  interactions: readonly Interaction[],
  contenders: readonly Contender[],
  options: PrequentialOptions,
): PrequentialResult {
  const { k } = options;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`k must be a positive integer, got ${k}`);
  const events = evaluationOrder(interactions, options);
  const every = options.progressEvery ?? 10_000;
  const total = events.length * contenders.length;
  let evaluated = 0;
  let users = 0;
  let items = 0;
  const results = contenders.map((contender, c): ContenderResult => {
    const pass = runPass(events, contender, k, (index) => {
      if (options.onProgress !== undefined && (index + 1) % every === 0) options.onProgress(c * events.length + index + 1, total);
    });
    evaluated = pass.evaluated;
    users = pass.users;
    items = pass.items;
    const seconds = Number(pass.nanos) / 1e9;
    return {
      name: contender.name,
      hits: pass.hits,
      recall: pass.evaluated === 0 ? 0 : pass.hits / pass.evaluated,
      ndcg: pass.evaluated === 0 ? 0 : pass.gains / pass.evaluated,
      seconds,
      eventsPerSecond: seconds > 0 ? events.length / seconds : 0,
      stats: contender.stats?.() ?? null,
    };
  });
  if (contenders.length === 0) {
    const pass = runPass(events, null, k, () => {});
    evaluated = pass.evaluated;
    users = pass.users;
    items = pass.items;
  }
  return { events: events.length, evaluated, k, users, items, contenders: results };
}

interface PassResult {
  evaluated: number;
  users: number;
  items: number;
  hits: number;
  gains: number;
  /** Time spent inside the contender's recommend and learn calls. */
  nanos: bigint;
}

/** One contender test-then-learn over the events (null: only count what would be scored). */
function runPass(events: readonly Interaction[], contender: Contender | null, k: number, progress: (index: number) => void): PassResult {
  const seen = new Map<string, Set<string>>();
  const items = new Set<string>();
  let evaluated = 0;
  let hits = 0;
  let gains = 0;
  let nanos = 0n;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    let userSeen = seen.get(event.userId);
    if (userSeen !== undefined && userSeen.size > 0 && !userSeen.has(event.itemId)) {
      evaluated++;
      if (contender !== null) {
        const start = process.hrtime.bigint();
        const list = contender.recommend(event.userId, k, event.timestamp, userSeen);
        nanos += process.hrtime.bigint() - start;
        const rank = list.slice(0, k).indexOf(event.itemId);
        if (rank !== -1) {
          hits++;
          gains += 1 / Math.log2(rank + 2);
        }
      }
    }
    if (contender !== null) {
      const start = process.hrtime.bigint();
      contender.learn(event, index);
      nanos += process.hrtime.bigint() - start;
    }
    if (userSeen === undefined) {
      userSeen = new Set();
      seen.set(event.userId, userSeen);
    }
    userSeen.add(event.itemId);
    items.add(event.itemId);
    progress(index);
  }
  return { evaluated, users: seen.size, items: items.size, hits, gains, nanos };
}
