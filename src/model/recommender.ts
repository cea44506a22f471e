import type { EventType, RecommendedItem, TrackingEvent } from '../events/types.js';
import { blankCandidate, type Candidate } from './candidates.js';
import { addFollow, addTrending, eraseContributions } from './contributions.js';
import { computeDigest } from './digest.js';
import { userHash } from './distinct-users.js';
import { CandidateGatherer, type GatheredPool } from './gatherer.js';
import { forgetItems, idleItems, itemsOverCap } from './item-eviction.js';
import { expectedOrderValue, learnOrderValue } from './order-value.js';
import { ListRanker } from './ranking.js';
import type { ItemNode } from './similarity.js';
import { fromSnapshot, type ModelSnapshot, toSnapshot } from './snapshot.js';
import { ModelState } from './state.js';
import { computeStats } from './stats.js';
import {
  DEFAULT_MODEL_CONFIG,
  type LearnResult,
  type ModelConfig,
  type ModelDigest,
  type ModelStats,
  type OnlineRecommender,
  type RecommendOptions,
  type RecommendResult,
  type SimilarItem,
} from './types.js';
import { type HistoryEntry, UserHistory } from './user-history.js';
import { UserRecency } from './user-recency.js';

const DAY_MS = 86_400_000;

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

interface PoolCache {
  userId: string;
  eventsApplied: number;
  now: number;
  pool: GatheredPool;
}

/**
 * The whole learning state: user histories, incremental item–item cosine, followed-by transitions,
 * trending counts, the FTRL ranker and the order-value RLS. Pure: no I/O, no clock, deterministic.
 */
export class Recommender implements OnlineRecommender {
  readonly config: ModelConfig;
  private readonly state: ModelState;
  private readonly userRecency = new UserRecency();
  private readonly gatherer = new CandidateGatherer();
  private poolCache: PoolCache | null = null;
  private readonly ranking: ListRanker;

  /**
   * A model with an empty state of `from` (any subset of the knobs), or working on the state `from`
   * (restored from a snapshot, or kept by the caller to look inside).
   */
  constructor(from: ModelConfigInput | ModelState = {}) {
    this.state = from instanceof ModelState ? from : new ModelState(resolveConfig(from));
    this.config = this.state.config;
    this.ranking = new ListRanker(this.state);
  }

  static restore(snapshot: unknown): Recommender {
    return new Recommender(fromSnapshot(snapshot));
  }

  snapshot(): ModelSnapshot {
    return toSnapshot(this.state);
  }

  learnOne(event: TrackingEvent): LearnResult {
    const user = this.state.users.get(event.userId);
    // an order replayed under a new eventId is still a duplicate; split lines of one order are not
    const orderKey =
      event.kind === 'purchase'
        ? `order:${event.orderId}:${event.items
            .map((l) => l.itemId)
            .sort()
            .join(',')}`
        : null;
    if (user !== undefined && (user.hasId(event.eventId) || (orderKey !== null && user.hasId(orderKey)))) {
      return { applied: false, touchedItems: [] };
    }
    const time = event.timestamp;
    if (time > this.state.maxTime) this.state.maxTime = time;

    const factor = this.state.decay.renormaliseAt(time);
    if (factor !== null) this.rescale(factor);

    if (user !== undefined && this.config.ranker && user.items.size > 0) {
      this.trainRanker(event.userId, user, event.kind === 'click' ? [event.itemId] : event.items.map((l) => l.itemId), event.eventId, time);
    }

    const u = user ?? new UserHistory(this.config.historyLength, this.config.dedupLength);
    if (user === undefined)
      this.state.forgotten.usersOverCap += this.userRecency.admit(this.state.users, event.userId, u, this.config.maxUsers);
    else this.userRecency.touch(this.state.users, event.userId, u);
    u.rememberId(event.eventId);
    if (orderKey !== null) u.rememberId(orderKey);
    u.lastTime = Math.max(u.lastTime, time);

    const touched: string[] = [];
    for (const id of u.items.keys()) touched.push(id);
    u.enterSession(event.sessionId, time);
    const who = userHash(event.userId);
    if (event.kind === 'click') {
      this.applyLine(u, who, event.itemId, event.type, event.price ?? null, time, touched);
    } else {
      for (const line of event.items) this.applyLine(u, who, line.itemId, 'purchase', line.price, time, touched);
      learnOrderValue(
        this.state.rls,
        u,
        event.items.reduce((s, l) => s + l.quantity * l.price, 0),
        time,
      );
    }
    this.state.eventsApplied++;
    this.poolCache = null;
    return { applied: true, touchedItems: touched };
  }

  /**
   * One item line of an event by the user `u`, whose userHash is `who` (for distinct-user counts);
   * `touched` gains the item unless already listed.
   */
  private applyLine(
    u: UserHistory,
    who: number,
    itemId: string,
    type: EventType,
    price: number | null,
    time: number,
    touched: string[],
  ): void {
    // an item still in the history is listed already (retained before the event, or an earlier line)
    if (!u.items.has(itemId) && !touched.includes(itemId)) touched.push(itemId);
    const node = this.applyInteraction(u, who, itemId, type, time);
    if (price !== null && price > 0) {
      this.state.prices.set(itemId, price);
      if (type === 'purchase' || type === 'add_to_cart') {
        u.spend.sum += price;
        u.spend.count++;
      }
    }
    if (type === 'purchase') u.markPurchased(itemId, time);
    const session = u.session.items;
    const previous = session[session.length - 1];
    // a forgotten previous item starts no followed-by list
    if (previous !== undefined && previous !== itemId && this.state.similarity.nodes.has(previous)) {
      addFollow(this.state.transitions, this.state.decay, u.items.get(itemId) as HistoryEntry, previous, time, who, node.index);
    }
    u.addToSession(itemId);
  }

  /**
   * r_ui = max(r_ui, weight): a user's weight on an item is their strongest recent interaction (in
   * forward-decayed units, so a later event refreshes it), never a count of repeats. Its growth Δ
   * updates dot(i, j) for every j in the user's retained history, then ‖r_i‖².
   */
  private applyInteraction(user: UserHistory, who: number, itemId: string, type: EventType, time: number): ItemNode {
    const weight = this.config.weights[type];
    const node = this.itemNode(itemId, time);
    const existing = user.items.get(itemId);
    const rOld = existing?.weight ?? 0;
    const target = weight > 0 ? weight * this.state.decay.scale(time) : 0;
    const delta = target > rOld ? target - rOld : 0;
    if (delta > 0) {
      const sim = this.state.similarity;
      const nInc = existing === undefined ? 1 : 0;
      for (const entry of user.items.values()) {
        if (entry === existing || !(entry.weight > 0)) continue;
        let other = entry.peer as ItemNode | undefined;
        if (other === undefined || other.index < 0) {
          // not resolved yet, or the item was forgotten (index −1): whatever node holds the id now
          other = sim.nodes.get(entry.itemId);
          if (other === undefined) continue;
          entry.peer = other;
        }
        sim.addDot(node, itemId, other, entry.itemId, delta * entry.weight, nInc, who);
      }
      sim.addNorm(node, 2 * delta * rOld + delta * delta);
    }
    user.touch(itemId, delta, time, type);
    addTrending(this.state.trending, user.items.get(itemId) as HistoryEntry, time, this.trendingWindowMs);
    return node;
  }

  /** The item's node, made the most recently active; a new item past maxItems first makes room. */
  private itemNode(itemId: string, time: number): ItemNode {
    let node = this.state.similarity.nodes.get(itemId);
    if (node === undefined) {
      const gone = itemsOverCap(this.state.similarity, this.config.maxItems);
      if (gone.length > 0) {
        forgetItems(this.state, gone);
        this.state.forgotten.itemsOverCap += gone.length;
        this.poolCache = null;
      }
      node = this.state.similarity.node(itemId);
    }
    this.state.similarity.touch(node, time);
    return node;
  }

  private rescale(factor: number): void {
    for (const u of this.state.users.values()) u.scale(factor);
    this.state.similarity.scale(factor * factor);
    this.state.transitions.scale(factor);
  }

  /** A user counts for an item's trending once per this window (0 hours: once while it is in their history). */
  private get trendingWindowMs(): number {
    return this.config.trendingWindowHours > 0 ? this.config.trendingWindowHours * 3_600_000 : Infinity;
  }

  /** Candidate pool for a user at `now`, memoised until the state changes. */
  private pool(userId: string, user: UserHistory, now: number): GatheredPool {
    const cached = this.poolCache;
    if (
      cached !== null &&
      cached.userId === userId &&
      cached.eventsApplied === this.state.eventsApplied &&
      cached.now === now &&
      this.gatherer.isCurrent(cached.pool)
    ) {
      return cached.pool;
    }
    const pool = this.gatherer.gather(
      user,
      {
        similarity: this.state.similarity,
        transitions: this.state.transitions,
        weightFactor: this.state.decay.valueFactor(now),
        popularity: (itemId) => this.state.trending.total(itemId),
      },
      this.config.candidates,
    );
    this.poolCache = { userId, eventsApplied: this.state.eventsApplied, now, pool };
    return pool;
  }

  /**
   * Teaches the ranker to reorder the pool: chosen items new to the user that the pool contains are
   * positives, unchosen unseen pool candidates the negatives. A chosen item outside the pool teaches
   * the reordering nothing (the ranker never sees such items at serving time).
   */
  private trainRanker(userId: string, user: UserHistory, chosen: string[], eventId: string, now: number): void {
    // discovery is what the ranker is for: re-visits of known items would teach it "seen wins"
    const fresh = chosen.filter((id) => !user.items.has(id));
    if (fresh.length === 0) return;
    const chosenSet = new Set(fresh);
    const pool = this.pool(userId, user, now);
    const top = this.gatherer.top(
      pool,
      this.config.candidates.poolSize,
      (id) => !user.items.has(id) && !(this.config.excludePurchased && user.purchased.has(id)),
    );
    this.ranking.learn(user, top, chosenSet, eventId, now);
  }

  recommend(userId: string, options: RecommendOptions): RecommendResult {
    const { limit, now } = options;
    const user = this.state.users.get(userId);
    const exclude: ReadonlySet<string> = options.exclude instanceof Set ? options.exclude : new Set(options.exclude ?? []);
    const keep = (id: string): boolean =>
      !exclude.has(id) &&
      !(this.config.excludePurchased && user?.purchased.has(id)) &&
      !(options.excludeSeen === true && user?.items.has(id));
    const poolSize = Math.max(this.config.candidates.poolSize, limit);
    const top = user === undefined ? [] : this.gatherer.top(this.pool(userId, user, now), poolSize, keep);
    const fillTo = Math.max(limit, Math.min(poolSize, limit * 2));
    if (top.length < fillTo) {
      const inPool = new Set(top.map((c) => c.itemId));
      for (const id of this.state.trending.topItems()) {
        if (top.length >= fillTo) break;
        if (inPool.has(id) || !keep(id)) continue;
        const c = blankCandidate();
        c.itemId = id;
        c.trendingOnly = true;
        top.push(c);
        inPool.add(id);
      }
    }
    const useRanker = this.ranking.ready;
    const scores = useRanker ? this.ranking.score(user, top, now) : null;
    const scored = top.map((c, order) => ({ c, order, score: scores === null ? c.affinity : scores[order] }));
    if (useRanker) scored.sort((a, b) => b.score - a.score || a.order - b.order);
    const items: RecommendedItem[] = scored.slice(0, limit).map(({ c, score }) => ({
      itemId: c.itemId,
      score,
      reasons: this.reasons(user, c),
    }));
    return { items, userScores: { expectedOrderValue: expectedOrderValue(this.state.rls, user, now) } };
  }

  private reasons(user: UserHistory | undefined, c: Candidate): string[] {
    const reasons: string[] = [];
    for (const id of c.supporters) {
      const entry = user?.items.get(id);
      reasons.push(entry?.purchased === true ? `bought-together:${id}` : `co-viewed:${id}`);
    }
    if (reasons.length === 0) reasons.push('trending');
    return reasons;
  }

  similar(itemId: string, limit: number): SimilarItem[] {
    return this.state.similarity.computeRow(itemId, Math.min(limit, this.config.neighbors));
  }

  knowsUser(userId: string): boolean {
    return this.state.users.has(userId);
  }

  /**
   * Erases the user's state and takes back what their retained history added to the shared item state
   * (co-occurrence, followed-by, trending; see contributions.ts for what stays as anonymous aggregate).
   */
  forgetUser(userId: string): boolean {
    const user = this.state.users.get(userId);
    if (user === undefined) return false;
    eraseContributions(user, userHash(userId), this.state);
    this.state.users.delete(userId);
    this.poolCache = null;
    return true;
  }

  expireIdle(now: number): number {
    let expired = 0;
    if (this.config.userIdleDays > 0) {
      const cutoff = now - this.config.userIdleDays * DAY_MS;
      for (const [id, u] of this.state.users) {
        if (u.lastTime < cutoff) {
          this.state.users.delete(id);
          expired++;
        }
      }
      this.state.forgotten.usersIdle += expired;
    }
    if (this.config.itemIdleDays > 0) {
      const gone = idleItems(this.state.similarity, now - this.config.itemIdleDays * DAY_MS);
      forgetItems(this.state, gone);
      this.state.forgotten.itemsIdle += gone.length;
      expired += gone.length;
    }
    if (expired > 0) this.poolCache = null;
    return expired;
  }

  digest(): ModelDigest {
    return computeDigest(this.state);
  }

  stats(): ModelStats {
    return computeStats(this.state);
  }
}
