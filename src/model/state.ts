import { ForwardDecay } from './decay.js';
import { FEATURE_COUNT } from './features.js';
import { FtrlRegression } from './ftrl.js';
import { RFM_DIMENSIONS } from './order-value.js';
import { RlsRegression } from './rls.js';
import { ItemSimilarity } from './similarity.js';
import { Transitions } from './transitions.js';
import { Trending } from './trending.js';
import type { ForgottenCounts, ModelConfig } from './types.js';
import { type UserContext, type UserHistory, userContext } from './user-history.js';

/**
 * Everything the model has learned, as data: what the Recommender works on, what a snapshot carries
 * and what the digest hashes. Users and items are held in order of last activity (Map insertion
 * order), which decides who is forgotten first at a cap.
 */
export class ModelState {
  decay: ForwardDecay;
  users = new Map<string, UserHistory>();
  /** What its users share: their bounds and the table naming their items. */
  readonly userContext: UserContext;
  similarity: ItemSimilarity;
  transitions: Transitions;
  trending: Trending;
  prices = new Map<string, number>();
  ranker: FtrlRegression;
  /** Order-value regression on a user's recency / frequency / monetary features. */
  rls: RlsRegression;
  eventsApplied = 0;
  /** Latest event time applied: the order-independent reference time of the digest. */
  maxTime = 0;
  forgotten: ForgottenCounts = { usersOverCap: 0, usersIdle: 0, itemsOverCap: 0, itemsIdle: 0 };
  /**
   * Per delta source (`topic:partition` of an input partition): the offset range end and record
   * position of the newest delta record applied, so a re-delivered one is applied once.
   */
  appliedSources = new Map<string, { to: number; seq: number }>();

  /** An empty state of `config` (complete: see resolveConfig). */
  constructor(readonly config: ModelConfig) {
    const c = config;
    this.decay = new ForwardDecay(c.halfLifeHours);
    this.userContext = userContext(c.historyLength, c.dedupLength);
    this.similarity = new ItemSimilarity({
      neighbors: c.neighbors,
      maxCountersPerItem: c.maxCountersPerItem,
      shrinkage: c.shrinkage,
      minSupport: c.minSupportUsers,
    });
    this.transitions = new Transitions(c.maxTransitionsPerItem, c.minSupportUsers, this.similarity);
    this.trending = new Trending(c.trendingHalfLifeHours);
    this.ranker = new FtrlRegression(FEATURE_COUNT, c.ftrl);
    this.rls = new RlsRegression(RFM_DIMENSIONS, c.rlsForgetting);
  }
}
