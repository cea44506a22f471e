import type { EventType, RecommendedItem, TrackingEvent, UserScores } from '../events/types.js';

/** Knobs of the learning state. Every memory bound is here; 0 switches a cap or the decay off. */
export interface ModelConfig {
  /** Recent distinct items kept per user (0 = unbounded). */
  historyLength: number;
  /** Neighbours kept per item. */
  neighbors: number;
  /** Space-Saving capacity of each item's co-occurrence counters (0 = unbounded). */
  maxCountersPerItem: number;
  /** Half-life of co-occurrence and affinity weights, on event time (0 = no decay). */
  halfLifeHours: number;
  /** Half-life of the trending counters. */
  trendingHalfLifeHours: number;
  /** Users with no event for this long are forgotten by expireIdle (0 = never). */
  userIdleDays: number;
  /** Users held at once: a new user beyond it makes the least recently active one forgotten (0 = no cap). */
  maxUsers: number;
  /** Items held at once: a new item beyond it makes the least recently active ones forgotten (0 = no cap). */
  maxItems: number;
  /** Items with no interaction for this long are forgotten by expireIdle (0 = never). */
  itemIdleDays: number;
  /** Weight of each event type in co-occurrence and affinity. */
  weights: Record<EventType, number>;
  /** Shrinkage of cosine towards 0 for pairs with little support: sim * n / (n + shrinkage). */
  shrinkage: number;
  /**
   * Distinct users a co-occurring pair or a followed-by transition needs before it may bring in a
   * candidate, name a reason or show as a similar item: below it, it would retell one person's trail.
   */
  minSupportUsers: number;
  /**
   * A user counts for an item's trending at most once per this many hours, whatever and however often
   * they did (0 = once while the item stays in their history): trending counts distinct users.
   */
  trendingWindowHours: number;
  /** Items already purchased by a user are not recommended to them. */
  excludePurchased: boolean;
  /** Online ranker (FTRL-Proximal logistic regression) reorders candidates when true. */
  ranker: boolean;
  /** Unchosen candidates sampled as negatives per positive. */
  negativesPerPositive: number;
  /**
   * Browsing events (view, click, remove_from_cart) train the ranker one in this many, chosen by the
   * event id's hash (deterministic); add-to-cart and purchase events always do. A training whose
   * chosen items some row of the user's could name gathers a candidate pool, a large part of the cost
   * of learning an event; 1 = every event.
   */
  rankerBrowseEvery: number;
  ftrl: { alpha: number; beta: number; l1: number; l2: number };
  /** Forgetting factor of the order-value RLS regression (1 = none). */
  rlsForgetting: number;
  /** Space-Saving capacity of each item's followed-by (next item in session) counters (0 = unbounded). */
  maxTransitionsPerItem: number;
  /** Event/order ids remembered per user to ignore duplicates. */
  dedupLength: number;
  /** How candidates are gathered and pre-scored (see candidates.ts). */
  candidates: {
    /** Most recent history items whose neighbours are read. */
    historyItems: number;
    /** Strength of the history item at position p (0 = newest): positionDecay^p · r_uh^weightExponent. */
    positionDecay: number;
    weightExponent: number;
    /** Neighbours read per history item. */
    neighborsPerItem: number;
    /** Weight of the followed-by lists of the newest session items, newest first. */
    followWeights: number[];
    /** Affinity = knn + transitionWeight · followed-by share. */
    transitionWeight: number;
    /**
     * Affinity is multiplied by (1 + item interactions)^popularityExponent: cosine divides popularity
     * out, yet a user's next item is more often a popular one.
     */
    popularityExponent: number;
    /** Each history item's neighbour scores are divided by their sum (one vote per history item). */
    normalizeRows: boolean;
    /** Candidates (by affinity) the ranker reorders. */
    poolSize: number;
  };
}

export interface LearnResult {
  /** False when the event was a duplicate (same eventId seen for the user) and changed nothing. */
  applied: boolean;
}

export interface RecommendOptions {
  limit: number;
  /** Clock value for decay; the model never reads a clock itself. */
  now: number;
  /** Items never to return (business exclusions). */
  exclude?: Iterable<string>;
  /** Also drop items the user has interacted with at all (evaluation protocol). */
  excludeSeen?: boolean;
}

export interface RecommendResult {
  items: RecommendedItem[];
  userScores: UserScores;
}

export interface SimilarItem {
  itemId: string;
  score: number;
}

export interface ModelDigest {
  users: number;
  items: number;
  eventsApplied: number;
  /** Hash of the canonical, order-independent state: equal for runs that applied the same events. */
  stateHash: string;
}

/** Users and items forgotten so far, by cause: a cap reached, or idle past userIdleDays / itemIdleDays. */
export interface ForgottenCounts {
  usersOverCap: number;
  usersIdle: number;
  itemsOverCap: number;
  itemsIdle: number;
}

export interface ModelStats {
  users: number;
  items: number;
  neighborEntries: number;
  counterEntries: number;
  approxBytes: number;
  eventsApplied: number;
  rankerLogLoss: number | null;
  rlsRmse: number | null;
  forgotten: ForgottenCounts;
}

/** What the engine needs from the learning state (River-style: learn one, answer one). */
export interface OnlineRecommender {
  readonly config: ModelConfig;
  learnOne(event: TrackingEvent): LearnResult;
  recommend(userId: string, options: RecommendOptions): RecommendResult;
  similar(itemId: string, limit: number): SimilarItem[];
  knowsUser(userId: string): boolean;
  forgetUser(userId: string): boolean;
  /** Forgets users idle for longer than userIdleDays and items idle for longer than itemIdleDays before `now`; returns how many. */
  expireIdle(now: number): number;
  digest(): ModelDigest;
  stats(): ModelStats;
  /** A plain-JSON snapshot; restore(snapshot) gives a model that answers identically. */
  snapshot(): unknown;
}

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  // a new interaction pairs with every item held: 15 recalled more than 30 on the synthetic logs and
  // Online Retail, with a quarter fewer counter updates (docs/BENCHMARKS.md, thirty-fourth sitting)
  historyLength: 15,
  neighbors: 50,
  maxCountersPerItem: 300,
  halfLifeHours: 24 * 14,
  trendingHalfLifeHours: 24,
  userIdleDays: 90,
  // Measured heap (bench/memory.ts method): a user 1.5 KB after one event, 3.3 KB typical, 12.6 KB with a
  // full history; an item 2.4 KB after one event, 12 KB typical, 37 KB with full counters. At these caps
  // typical state is ~0.6 GB and saturated state ~2 GB: under HEAP_SHED_RATIO of Node's default heap.
  maxUsers: 100_000,
  maxItems: 20_000,
  itemIdleDays: 90,
  weights: { view: 1, click: 1.05, add_to_cart: 1.1, remove_from_cart: 0.5, purchase: 1.5 },
  shrinkage: 20,
  minSupportUsers: 2,
  trendingWindowHours: 24,
  excludePurchased: true,
  ranker: true,
  negativesPerPositive: 3,
  rankerBrowseEvery: 2,
  ftrl: { alpha: 0.1, beta: 1, l1: 0.5, l2: 1 },
  rlsForgetting: 0.995,
  maxTransitionsPerItem: 100,
  dedupLength: 200,
  candidates: {
    historyItems: 20,
    positionDecay: 0.9,
    weightExponent: 0,
    neighborsPerItem: 40,
    followWeights: [1, 0.5, 0.25],
    transitionWeight: 0.3,
    popularityExponent: 0,
    normalizeRows: true,
    poolSize: 30,
  },
};

/** Any subset of the knobs; nested groups (weights, ftrl, candidates) may be partial too. */
export type ModelConfigInput = Partial<Omit<ModelConfig, 'weights' | 'ftrl' | 'candidates'>> & {
  weights?: Partial<ModelConfig['weights']>;
  ftrl?: Partial<ModelConfig['ftrl']>;
  candidates?: Partial<ModelConfig['candidates']>;
};

/** Merges a partial configuration over the defaults (nested groups merged one level deep). */
export function resolveConfig(partial: ModelConfigInput = {}): ModelConfig {
  return {
    ...DEFAULT_MODEL_CONFIG,
    ...partial,
    weights: { ...DEFAULT_MODEL_CONFIG.weights, ...partial.weights },
    ftrl: { ...DEFAULT_MODEL_CONFIG.ftrl, ...partial.ftrl },
    candidates: { ...DEFAULT_MODEL_CONFIG.candidates, ...partial.candidates },
  };
}
