import type { EventType, RecommendedItem, TrackingEvent } from '../events/types.js';
import { bestFirst } from './best-first.js';
import { blankCandidate, type Candidate, type CandidateSources } from './candidates.js';
import { ChangedKeys } from './changed-keys.js';
import { addFollow, addTrending, eraseContributions } from './contributions.js';
import { userHash } from './distinct-users.js';
import { CandidateGatherer, type GatheredPool } from './gatherer.js';
import { hashUniform } from './hash.js';
import { wasPurchased } from './history-entry.js';
import type { ItemUpdates } from './item-updates.js';
import type { ItemView } from './item-view.js';
import { expectedOrderValue, learnOrderValue } from './order-value.js';
import { ListRanker } from './ranking.js';
import type { ModelState } from './state.js';
import { renormaliseState } from './state-rescale.js';
import { endsStep, finish, type Steps } from './steps.js';
import type { LearnResult, RecommendOptions, RecommendResult } from './types.js';
import { UserHistory } from './user-history.js';
import { UserRecency } from './user-recency.js';
import type { UserRecord } from './user-record.js';

const DAY_MS = 86_400_000;
/** What learnOne answers: shared, as nothing changes them (an object per event was garbage per event). */
const APPLIED: LearnResult = Object.freeze({ applied: true });
const NOT_APPLIED: LearnResult = Object.freeze({ applied: false });
/** What a list excludes when its caller names nothing. */
const NO_IDS: ReadonlySet<string> = new Set();
/** The hash draw that samples browsing events for the ranker (its negatives use draws 0, 1, …). */
const RANKER_SAMPLE_DRAW = 0x5a17;

interface PoolCache {
  userId: string;
  eventsApplied: number;
  viewVersion: number;
  now: number;
  pool: GatheredPool;
}

/** Strong signals always teach the ranker; browsing, one event in `browseEvery` (by its id's hash). */
function trainsRanker(event: TrackingEvent, browseEvery: number): boolean {
  if (event.kind === 'purchase' || event.type === 'add_to_cart' || browseEvery <= 1) return true;
  return hashUniform(event.eventId, RANKER_SAMPLE_DRAW) * browseEvery < 1;
}

/**
 * The user side of the model: histories, dedup ids, order-value features and the ranker of the users
 * this process owns. It learns one event into the user's state and tells the item side what changed
 * (ItemUpdates); it answers a user's list from any ItemView.
 */
export class UserSide {
  private readonly userRecency = new UserRecency();
  private readonly gatherer = new CandidateGatherer();
  private readonly ranking: ListRanker;
  private poolCache: PoolCache | null = null;
  /** Users changed (held or forgotten) since a state store last took them, when one tracks them. */
  private changed: ChangedKeys | null = null;

  constructor(private readonly state: ModelState) {
    this.ranking = new ListRanker(state);
  }

  /**
   * Learns one event; its item increments go to `updates`, and the ranker trains on candidates read
   * from `view` (as they were before the event).
   */
  learnOne(event: TrackingEvent, updates: ItemUpdates, view: ItemView): LearnResult {
    const state = this.state;
    const config = state.config;
    const user = state.users.get(event.userId);
    // an order replayed under a new eventId is still a duplicate; split lines of one order are not
    const orderKey =
      event.kind === 'purchase'
        ? `order:${event.orderId}:${event.items
            .map((l) => l.itemId)
            .sort()
            .join(',')}`
        : null;
    if (user !== undefined && (user.hasId(event.eventId) || (orderKey !== null && user.hasId(orderKey)))) {
      return NOT_APPLIED;
    }
    this.sweepItemIds();
    const time = event.timestamp;
    if (time > state.maxTime) state.maxTime = time;
    renormaliseState(state, time);

    if (user !== undefined && config.ranker && user.items.size > 0 && trainsRanker(event, config.rankerBrowseEvery)) {
      const chosen = event.kind === 'click' ? [event.itemId] : event.items.map((l) => l.itemId);
      this.trainRanker(event.userId, user, chosen, event.eventId, time, view);
    }

    // told before the user changes or is made: a state store may still owe the record they had
    this.changed?.add(event.userId);
    const u = user ?? new UserHistory(state.userContext);
    if (user === undefined)
      state.forgotten.usersOverCap += this.userRecency.admit(state.users, event.userId, u, config.maxUsers, this.changed);
    else this.userRecency.touch(state.users, event.userId, u);
    u.rememberId(event.eventId);
    if (orderKey !== null) u.rememberId(orderKey);
    u.lastTime = Math.max(u.lastTime, time);

    u.enterSession(event.sessionId, time);
    const who = userHash(event.userId);
    if (event.kind === 'click') {
      this.applyLine(updates, u, who, view.knownId(event.itemId), event.type, event.price ?? null, time);
    } else {
      for (const line of event.items) this.applyLine(updates, u, who, view.knownId(line.itemId), 'purchase', line.price, time);
      learnOrderValue(
        state.rls,
        u,
        event.items.reduce((s, l) => s + l.quantity * l.price, 0),
        time,
      );
    }
    state.eventsApplied++;
    this.poolCache = null;
    return APPLIED;
  }

  /** One item line of an event by the user `u`, whose userHash is `who` (for distinct-user counts). */
  private applyLine(
    updates: ItemUpdates,
    u: UserHistory,
    who: number,
    itemId: string,
    type: EventType,
    price: number | null,
    time: number,
  ): void {
    this.applyInteraction(updates, u, who, itemId, type, time);
    if (price !== null && price > 0) {
      updates.price(itemId, price);
      if (type === 'purchase' || type === 'add_to_cart') {
        u.addSpend(price);
      }
    }
    if (type === 'purchase') u.markPurchased(itemId, time);
    const inSession = u.sessionSize;
    const previous = inSession > 0 ? u.sessionItemAt(inSession - 1) : undefined;
    if (previous !== undefined && previous !== itemId) {
      const slot = u.items.find(itemId);
      if (slot >= 0) addFollow(updates, this.state.decay, u.items, slot, previous, time, who);
    }
    u.addToSession(itemId);
  }

  /**
   * r_ui = max(r_ui, weight): a user's weight on an item is their strongest recent interaction (in
   * forward-decayed units, so a later event refreshes it), never a count of repeats. Its growth Δ
   * adds Δ·r_uj to dot(i, j) for every j in the user's retained history, then grows ‖r_i‖².
   */
  private applyInteraction(updates: ItemUpdates, user: UserHistory, who: number, itemId: string, type: EventType, time: number): void {
    const weight = this.state.config.weights[type];
    updates.touch(itemId, time);
    const items = user.items;
    const existing = items.find(itemId);
    const rOld = existing >= 0 ? items.weightAt(existing) : 0;
    const target = weight > 0 ? weight * this.state.decay.scale(time) : 0;
    const delta = target > rOld ? target - rOld : 0;
    if (delta > 0) {
      const nInc = existing < 0 ? 1 : 0;
      for (let k = 0; k < items.size; k++) {
        const w = items.weightAt(k);
        if (k === existing || !(w > 0)) continue;
        updates.pair(itemId, items.idAt(k), delta * w, nInc, who);
      }
      updates.norm(itemId, 2 * delta * rOld + delta * delta);
    }
    const slot = user.touch(itemId, delta, type);
    addTrending(updates, items, slot, time, this.trendingWindowMs);
  }

  /**
   * Lets the users' item-id table go of the ids no held user names any more, once it holds twice
   * what its last sweep kept (item-ids.ts). Only here, before an event's items are named: every
   * history is then a held user's.
   */
  private sweepItemIds(): void {
    const itemIds = this.state.userContext.itemIds;
    if (!itemIds.sweepDue) return;
    const users = this.state.users;
    itemIds.sweep((mark) => {
      for (const user of users.values()) user.markItems(mark);
    });
  }

  /** A user counts for an item's trending once per this window (0 hours: once while it is in their history). */
  private get trendingWindowMs(): number {
    const hours = this.state.config.trendingWindowHours;
    return hours > 0 ? hours * 3_600_000 : Infinity;
  }

  /** Candidate pool for a user at `now`, memoised until the state or the view changes. */
  private pool(userId: string, user: UserHistory, now: number, view: ItemView): GatheredPool {
    const cached = this.cachedPool(userId, now, view);
    if (cached !== null) return cached;
    const pool = this.gatherer.gather(user, this.sources(now, view), this.state.config.candidates);
    this.poolCache = { userId, eventsApplied: this.state.eventsApplied, viewVersion: view.version, now, pool };
    return pool;
  }

  /** The memoised pool when it is still the user's at `now` in `view`; null otherwise. */
  private cachedPool(userId: string, now: number, view: ItemView): GatheredPool | null {
    const cached = this.poolCache;
    return cached !== null &&
      cached.userId === userId &&
      cached.eventsApplied === this.state.eventsApplied &&
      cached.viewVersion === view.version &&
      cached.now === now &&
      this.gatherer.isCurrent(cached.pool)
      ? cached.pool
      : null;
  }

  private sources(now: number, view: ItemView): CandidateSources {
    return { items: view, weightFactor: this.state.decay.valueFactor(now) };
  }

  /**
   * Teaches the ranker to reorder the pool: chosen items new to the user that the pool contains are
   * positives, unchosen unseen pool candidates the negatives. A chosen item outside the pool teaches
   * the reordering nothing (the ranker never sees such items at serving time).
   */
  private trainRanker(userId: string, user: UserHistory, chosen: string[], eventId: string, now: number, view: ItemView): void {
    // discovery is what the ranker is for: re-visits of known items would teach it "seen wins"
    const fresh = chosen.filter((id) => !user.items.has(id));
    if (fresh.length === 0) return;
    const config = this.state.config;
    // Most chosen items are named by no row the pool is gathered from (two trainings in three over
    // the bench's history): the ranker would find no positive there, so no pool is gathered.
    if (this.cachedPool(userId, now, view) === null) {
      const indices = fresh.map((id) => view.indexOf(id)).filter((i) => i >= 0);
      if (!this.gatherer.mayHold(user, this.sources(now, view), config.candidates, indices)) return;
    }
    const pool = this.pool(userId, user, now, view);
    const purchased = user.purchased;
    const top = this.gatherer.top(
      pool,
      config.candidates.poolSize,
      config.excludePurchased && purchased.size > 0 ? (id) => !purchased.has(id) : null,
      true,
    );
    this.ranking.learn(user, top, new Set(fresh), eventId, now, view);
  }

  recommend(userId: string, options: RecommendOptions, view: ItemView): RecommendResult {
    const { limit, now } = options;
    const config = this.state.config;
    const user = this.state.users.get(userId);
    const exclude: ReadonlySet<string> =
      options.exclude instanceof Set ? options.exclude : options.exclude === undefined ? NO_IDS : new Set(options.exclude);
    const excludeSeen = options.excludeSeen === true;
    const purchased = config.excludePurchased ? user?.purchased : undefined;
    const keepListed = (id: string): boolean => !exclude.has(id) && !purchased?.has(id);
    const poolSize = Math.max(config.candidates.poolSize, limit);
    // the pool knows which candidates the user has seen: keep's other filters only when they can refuse
    const filtersPool = exclude.size > 0 || (purchased !== undefined && purchased.size > 0);
    const top =
      user === undefined
        ? []
        : this.gatherer.top(this.pool(userId, user, now, view), poolSize, filtersPool ? keepListed : null, excludeSeen);
    const fillTo = Math.max(limit, Math.min(poolSize, limit * 2));
    if (top.length < fillTo) {
      const inPool = new Set(top.map((c) => c.itemId));
      for (const id of view.topTrending()) {
        if (top.length >= fillTo) break;
        if (inPool.has(id) || !keepListed(id)) continue;
        const seen = user?.items.has(id) ?? false;
        if (excludeSeen && seen) continue;
        const c = blankCandidate();
        c.itemId = id;
        c.index = view.indexOf(id);
        c.seen = seen;
        c.trendingOnly = true;
        top.push(c);
        inPool.add(id);
      }
    }
    const scores = this.ranking.ready ? this.ranking.score(user, top, now, view) : null;
    // without the ranker the pool's own order (by affinity) stands
    const places =
      scores === null ? Array.from({ length: Math.min(top.length, limit) }, (_, k) => k) : bestFirst(scores, top.length, limit);
    const items: RecommendedItem[] = places.map((k) => ({
      itemId: top[k].itemId,
      score: scores === null ? top[k].affinity : scores[k],
      reasons: reasonsFor(user, top[k]),
    }));
    return { items, userScores: { expectedOrderValue: expectedOrderValue(this.state.rls, user, now) } };
  }

  /** The users changed (or forgotten) from now on: what a state store writes next. */
  trackChanges(): ChangedKeys {
    this.changed ??= new ChangedKeys();
    return this.changed;
  }

  /** The record of a held user; null when the user is not held. */
  record(userId: string): UserRecord | null {
    const user = this.state.users.get(userId);
    return user === undefined ? null : { t0: this.state.decay.t0, history: user.toJSON() };
  }

  /**
   * Loads a user's record as the most recently active user, replacing what was held; weights move to
   * this state's landmark. The user's item increments are the item side's own records: none are made.
   */
  loadRecord(userId: string, record: UserRecord): void {
    const state = this.state;
    const decay = state.decay;
    if (decay.t0 === null) decay.t0 = record.t0;
    const user = UserHistory.fromJSON(state.userContext, record.history);
    const f = decay.fromLandmark(record.t0);
    if (f !== 1) user.scale(f);
    if (state.users.has(userId)) this.userRecency.touch(state.users, userId, user);
    else this.userRecency.admit(state.users, userId, user, 0);
    if (user.lastTime > state.maxTime) state.maxTime = user.lastTime;
    this.poolCache = null;
  }

  /**
   * Adds the events a restored partition's users were learnt from (the store counts them); negative:
   * takes back events learnt again that such a count already held.
   */
  countRestored(events: number): void {
    this.state.eventsApplied += events;
  }

  /**
   * Lets go of the users `moved` names and of the `events` they were learnt from: their partition went
   * to another process, which restores them from the store. Nothing is taken back from items and no
   * store hears of it (the users are not gone, only held elsewhere).
   */
  release(moved: (userId: string) => boolean, events: number): number {
    let released = 0;
    for (const id of this.state.users.keys()) {
      if (!moved(id)) continue;
      this.state.users.delete(id);
      released++;
    }
    this.state.eventsApplied -= events;
    this.poolCache = null;
    return released;
  }

  /** Takes a restored store's landmark when this state has none yet (records convert to it). */
  adoptLandmark(t0: number | null): void {
    if (this.state.decay.t0 === null) this.state.decay.t0 = t0;
  }

  /** Latest event time applied (to this state, by either side). */
  get newestTime(): number {
    return this.state.maxTime;
  }

  /** The landmark of the stored units the user side reports increments in. */
  get landmark(): number | null {
    return this.state.decay.t0;
  }

  knowsUser(userId: string): boolean {
    return this.state.users.has(userId);
  }

  /** Erases the user's state; what their retained history added to item state is taken back through `updates`. */
  forgetUser(userId: string, updates: ItemUpdates): boolean {
    const user = this.state.users.get(userId);
    if (user === undefined) return false;
    eraseContributions(user, userHash(userId), this.state.decay, updates);
    this.state.users.delete(userId);
    this.changed?.add(userId);
    this.poolCache = null;
    return true;
  }

  /** Forgets users idle for longer than userIdleDays before `now`; returns how many. */
  expireIdle(now: number): number {
    return finish(this.expireIdleSteps(now));
  }

  /**
   * expireIdle in steps of users (steps.ts). A user who is active again by the step that looks at them
   * stays; one active between steps is looked at again, at the end of the order.
   */
  *expireIdleSteps(now: number): Steps<number> {
    const days = this.state.config.userIdleDays;
    if (!(days > 0)) return 0;
    const cutoff = now - days * DAY_MS;
    const users = this.state.users;
    let expired = 0;
    let seen = 0;
    for (const [id, u] of users) {
      if (u.lastTime < cutoff) {
        users.delete(id);
        this.changed?.add(id);
        this.state.forgotten.usersIdle++;
        this.poolCache = null;
        expired++;
      }
      if (endsStep(++seen)) yield;
    }
    return expired;
  }
}

function reasonsFor(user: UserHistory | undefined, c: Candidate): string[] {
  const reasons: string[] = [];
  for (const id of c.supporters) {
    const slot = user?.items.find(id) ?? -1;
    reasons.push(user !== undefined && slot >= 0 && wasPurchased(user.items.flagsAt(slot)) ? `bought-together:${id}` : `co-viewed:${id}`);
  }
  if (reasons.length === 0) reasons.push('trending');
  return reasons;
}
