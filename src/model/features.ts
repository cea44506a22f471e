import type { Candidate } from './candidates.js';

/** Names of the ranker's features, in vector order (for stats and docs). */
export const FEATURE_NAMES = [
  'bias',
  'log_knn',
  'relative_knn',
  'log_follow',
  'log_support',
  'support_recency',
  'log_trend',
  'log_popularity',
  'seen',
  'in_cart',
  'price_vs_spend',
  'trending_only',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Everything about the (user, item) pair beyond the candidate evidence. */
export interface PairContext {
  /** Largest knn score in the pool, to make knn relative to this user. */
  maxKnn: number;
  trend: number;
  popularity: number;
  seen: boolean;
  inCart: boolean;
  /** Item price, 0 when unknown. */
  price: number;
  /** User's average spend per item, 0 when unknown. */
  averageSpend: number;
}

/** Dense feature vector for the ranker; all features are O(1) in scale. */
export function pairFeatures(c: Candidate, ctx: PairContext, out: Float64Array = new Float64Array(FEATURE_COUNT)): Float64Array {
  out[0] = 1;
  // log scale lets the linear model express products such as affinity × popularity^β
  out[1] = c.knn > 0 ? Math.log(c.knn) / 5 + 1 : 0;
  out[2] = ctx.maxKnn > 0 ? c.knn / ctx.maxKnn : 0;
  out[3] = Math.log1p(c.follow);
  out[4] = Math.log1p(c.support) / 2;
  out[5] = c.bestPosition >= 0 ? Math.exp(-c.bestPosition / 5) : 0;
  out[6] = Math.log1p(ctx.trend) / 3;
  out[7] = Math.log1p(ctx.popularity) / 5;
  out[8] = ctx.seen ? 1 : 0;
  out[9] = ctx.inCart ? 1 : 0;
  out[10] = ctx.price > 0 && ctx.averageSpend > 0 ? Math.max(-3, Math.min(3, Math.log(ctx.price / ctx.averageSpend))) : 0;
  out[11] = c.trendingOnly ? 1 : 0;
  // far out-of-order event times can overflow a decay factor; a feature is then unknown, not poison
  for (let k = 0; k < FEATURE_COUNT; k++) if (!Number.isFinite(out[k])) out[k] = 0;
  return out;
}
