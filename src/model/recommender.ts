import type { TrackingEvent } from '../events/types.js';
import { computeDigest } from './digest.js';
import { ItemSide } from './item-side.js';
import { exportParams, loadParams, type ModelParams, mergeParams, type ParamsSnapshot, paramsSnapshot } from './params.js';
import { fromSnapshot, type ModelSnapshot, toSnapshot } from './snapshot.js';
import { ModelState } from './state.js';
import { computeStats, statsSteps } from './stats.js';
import type { Steps } from './steps.js';
import {
  type LearnResult,
  type ModelConfig,
  type ModelConfigInput,
  type ModelDigest,
  type ModelStats,
  type OnlineRecommender,
  type RecommendOptions,
  type RecommendResult,
  resolveConfig,
  type SimilarItem,
} from './types.js';
import { UserSide } from './user-side.js';

/**
 * The whole model in one process: the user side and the item side on one state, the user side's
 * item increments applied at once and lists answered from the live item state. What `recstream eval`
 * and notebook-like scripts use; the engine runs the same two parts with a topic in between.
 * Pure: no I/O, no clock, deterministic.
 */
export class Recommender implements OnlineRecommender {
  readonly config: ModelConfig;
  private readonly state: ModelState;
  readonly users: UserSide;
  readonly items: ItemSide;

  /**
   * A model with an empty state of `from` (any subset of the knobs), or working on the state `from`
   * (restored from a snapshot, or kept by the caller to look inside).
   */
  constructor(from: ModelConfigInput | ModelState = {}) {
    this.state = from instanceof ModelState ? from : new ModelState(resolveConfig(from));
    this.config = this.state.config;
    this.users = new UserSide(this.state);
    this.items = new ItemSide(this.state);
  }

  static restore(snapshot: unknown): Recommender {
    return new Recommender(fromSnapshot(snapshot));
  }

  snapshot(): ModelSnapshot {
    return toSnapshot(this.state);
  }

  learnOne(event: TrackingEvent): LearnResult {
    return this.users.learnOne(event, this.items, this.items);
  }

  recommend(userId: string, options: RecommendOptions): RecommendResult {
    return this.users.recommend(userId, options, this.items);
  }

  similar(itemId: string, limit: number): SimilarItem[] {
    return this.state.similarity.computeRow(itemId, Math.min(limit, this.config.neighbors));
  }

  knowsUser(userId: string): boolean {
    return this.users.knowsUser(userId);
  }

  /**
   * Erases the user's state and takes back what their retained history added to the shared item state
   * (co-occurrence, followed-by, trending; see contributions.ts for what stays as anonymous aggregate).
   */
  forgetUser(userId: string): boolean {
    return this.users.forgetUser(userId, this.items);
  }

  expireIdle(now: number): number {
    return this.users.expireIdle(now) + this.items.expireIdle(now);
  }

  /** expireIdle in steps (steps.ts), for a caller that spreads it over time. */
  *expireIdleSteps(now: number): Steps<number> {
    return (yield* this.users.expireIdleSteps(now)) + (yield* this.items.expireIdleSteps(now));
  }

  /** The ranker and regression weights this process shares with its group. */
  exportParams(): ModelParams {
    return exportParams(this.state);
  }

  /** Averages the ranker and regression with the group's (see params.ts). */
  mergeParams(peers: readonly ModelParams[]): void {
    mergeParams(this.state, peers);
  }

  /** The ranker and regression as trained here, for the user-state store. */
  paramsSnapshot(): ParamsSnapshot {
    return paramsSnapshot(this.state);
  }

  /** Takes stored weights if nothing was trained here yet (see params.ts); true when taken. */
  loadParams(stored: ParamsSnapshot): boolean {
    return loadParams(this.state, stored);
  }

  digest(): ModelDigest {
    return computeDigest(this.state);
  }

  stats(): ModelStats {
    return computeStats(this.state);
  }

  /** stats() in steps (steps.ts). */
  statsSteps(): Steps<ModelStats> {
    return statsSteps(this.state);
  }
}
