import type { Candidate } from './candidates.js';
import { FEATURE_COUNT, type PairContext, pairFeatures } from './features.js';
import { hashUniform } from './hash.js';
import { isInCart } from './history-entry.js';
import type { ItemFacts, ItemView } from './item-view.js';
import type { ModelState } from './state.js';
import type { UserHistory } from './user-history.js';

/** Ranker updates before its order replaces the plain affinity order. */
const RANKER_WARMUP = 500;

const OFFSET_FLOOR = -8;

/**
 * The ranker corrects the affinity order rather than replacing it: log relative affinity is its base
 * logit (so untrained weights keep the affinity order), floored for trending-only candidates.
 */
function affinityOffset(affinity: number, maxAffinity: number): number {
  return affinity > 0 && maxAffinity > 0 ? Math.max(OFFSET_FLOOR, Math.log(affinity / maxAffinity)) : OFFSET_FLOOR;
}

/**
 * The state's FTRL ranker applied to a user's candidate list: learning which candidates get chosen,
 * and scoring lists once it has learnt enough. Holds one reused context and feature vector.
 */
export class ListRanker {
  private readonly context: PairContext = { maxKnn: 0, trend: 0, popularity: 0, seen: false, inCart: false, price: 0, averageSpend: 0 };
  private readonly features = new Float64Array(FEATURE_COUNT);
  private readonly facts: ItemFacts = { trend: 0, popularity: 0, price: 0 };
  private scores = new Float64Array(64);

  constructor(private readonly state: ModelState) {}

  /** True once the ranker's order may replace the plain affinity order. */
  get ready(): boolean {
    return this.state.config.ranker && this.state.ranker.updates >= RANKER_WARMUP;
  }

  /**
   * Learns from the list `top` the user chose from at `now`: candidates in `chosen` are positives;
   * unchosen ones, drawn from the eventId hash, are negatives.
   */
  learn(user: UserHistory, top: readonly Candidate[], chosen: ReadonlySet<string>, eventId: string, now: number, view: ItemView): void {
    const positives = top.filter((c) => chosen.has(c.itemId));
    if (positives.length === 0) return;
    const negatives = top.filter((c) => !chosen.has(c.itemId));
    const maxKnn = top.reduce((m, c) => Math.max(m, c.knn), 0);
    const maxAffinity = top.reduce((m, c) => Math.max(m, c.affinity), 0);
    const ranker = this.state.ranker;
    const x = this.features;
    const trendFactor = view.trendingFactor(now);
    for (const c of positives) {
      ranker.learn(pairFeatures(c, this.pairContext(user, c, maxKnn, trendFactor, view), x), 1, affinityOffset(c.affinity, maxAffinity));
    }
    if (negatives.length === 0) return;
    for (let d = 0; d < this.state.config.negativesPerPositive * positives.length; d++) {
      const c = negatives[Math.floor(hashUniform(eventId, d) * negatives.length)];
      ranker.learn(pairFeatures(c, this.pairContext(user, c, maxKnn, trendFactor, view), x), 0, affinityOffset(c.affinity, maxAffinity));
    }
  }

  /**
   * The ranker's score of each candidate of `top` for `user` at `now`, in list order, in one reused
   * array (valid until the next call): not a new array of boxed numbers per list.
   */
  score(user: UserHistory | undefined, top: readonly Candidate[], now: number, view: ItemView): Float64Array {
    const maxKnn = top.reduce((m, c) => Math.max(m, c.knn), 0);
    const maxAffinity = top.reduce((m, c) => Math.max(m, c.affinity), 0);
    const ranker = this.state.ranker;
    const x = this.features;
    const trendFactor = view.trendingFactor(now);
    if (this.scores.length < top.length) this.scores = new Float64Array(Math.max(top.length, 2 * this.scores.length));
    const scores = this.scores;
    for (let k = 0; k < top.length; k++) {
      const c = top[k];
      scores[k] = ranker.predict(
        pairFeatures(c, this.pairContext(user, c, maxKnn, trendFactor, view), x),
        affinityOffset(c.affinity, maxAffinity),
      );
    }
    return scores;
  }

  /**
   * The pair context of candidate `c`, written into one reused object (valid until the next call);
   * `trendFactor` is trending.decay.valueFactor(now), computed once per list.
   */
  private pairContext(user: UserHistory | undefined, c: Candidate, maxKnn: number, trendFactor: number, view: ItemView): PairContext {
    // the gatherer flagged the user's own items: the history is searched only for their flags
    const slot = c.seen && user !== undefined ? user.items.find(c.itemId) : -1;
    const facts = view.itemFacts(c.itemId, c.index, this.facts);
    const ctx = this.context;
    ctx.maxKnn = maxKnn;
    ctx.trend = facts.trend * trendFactor;
    ctx.popularity = facts.popularity;
    ctx.seen = slot >= 0;
    ctx.inCart = user !== undefined && slot >= 0 && isInCart(user.items.flagsAt(slot));
    ctx.price = facts.price;
    ctx.averageSpend = user?.averageSpend() ?? 0;
    return ctx;
  }
}
