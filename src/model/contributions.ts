import type { ForwardDecay } from './decay.js';
import type { ItemNode, ItemSimilarity } from './similarity.js';
import type { Transitions } from './transitions.js';
import type { Trending } from './trending.js';
import { followsOf, type HistoryEntry, type UserHistory } from './user-history.js';

/**
 * What one user adds to the shared item state, bounded per user and remembered on the user's history
 * entries so an erasure can take it back:
 * - trending: a user counts once per item, decayed from the start of their latest window
 *   (`trendingWindowHours`): trending measures distinct recent users, and repeating an event, or
 *   coming back every day, does not make an item trend;
 * - followed-by: a user's weight on from → to is their latest transition (decayed), not a count of
 *   repeats;
 * - co-occurrence: a user's weight on an item is their strongest interaction (recommender.ts), and
 *   dot(i, j) holds r_ui·r_uj for every retained pair.
 * Distinct users per pair and transition are counted by the counters themselves (distinct-users.ts).
 * Both ledgers book their contributions at whole minutes, so a contribution is known exactly from a
 * small integer. What entries already evicted from the bounded history added (and followed-by sources
 * beyond MAX_FOLLOWS_PER_ENTRY) can no longer be told apart: it stays in the counters as anonymous
 * aggregate, as do the ranker's and the order-value regression's weights.
 */

/** Followed-by sources remembered per history entry. */
export const MAX_FOLLOWS_PER_ENTRY = 8;

const MINUTE_MS = 60_000;

/** The whole minute (since the epoch) a contribution at `time` is booked at. */
export const minuteOf = (time: number): number => Math.floor(time / MINUTE_MS);

/** The shared item state an erasure takes back from. */
export interface SharedItemState {
  decay: ForwardDecay;
  similarity: ItemSimilarity;
  transitions: Transitions;
  trending: Trending;
}

/**
 * Counts the entry's user for its item in trending at `time`, at most once per window: a new window
 * replaces the user's previous count (decayed from its own start) by one from now.
 */
export function addTrending(trending: Trending, entry: HistoryEntry, time: number, windowMs: number): void {
  const minute = minuteOf(time);
  const previous = entry.trendMinute;
  if (previous > 0 && Math.abs(minute - previous) * MINUTE_MS < windowMs) return;
  if (previous > minute) return;
  if (previous > 0) trending.renew(entry.itemId, previous * MINUTE_MS, minute * MINUTE_MS);
  else trending.add(entry.itemId, 1, minute * MINUTE_MS, 1);
  entry.trendMinute = minute;
}

/**
 * Adds the transition from → entry.itemId at `time` by the user `who` (userHash; `toIndex`: the item's
 * similarity index): their weight on it is the decayed weight of their latest such transition, not the
 * sum of repeats.
 */
export function addFollow(
  transitions: Transitions,
  decay: ForwardDecay,
  entry: HistoryEntry,
  from: string,
  time: number,
  who: number,
  toIndex: number,
): void {
  const minute = minuteOf(time);
  const weight = decay.scale(minute * MINUTE_MS);
  if (entry.followFrom === from) {
    if (minute > entry.followMinute) {
      transitions.add(from, entry.itemId, weight - decay.scale(entry.followMinute * MINUTE_MS), 0, who, toIndex);
      entry.followMinute = minute;
    }
    return;
  }
  const more = entry.moreFollows;
  if (more !== null) {
    for (let k = 0; k < more.length; k += 2) {
      if (more[k] !== from) continue;
      const before = more[k + 1] as number;
      if (minute > before) {
        transitions.add(from, entry.itemId, weight - decay.scale(before * MINUTE_MS), 0, who, toIndex);
        more[k + 1] = minute;
      }
      return;
    }
  }
  transitions.add(from, entry.itemId, weight, 1, who, toIndex);
  if (entry.followFrom === null) {
    entry.followFrom = from;
    entry.followMinute = minute;
  } else if (more === null) {
    entry.moreFollows = [from, minute];
  } else {
    more.push(from, minute);
    // the oldest beyond the bound is no longer told apart: it stays as anonymous aggregate
    if (more.length > 2 * (MAX_FOLLOWS_PER_ENTRY - 1)) more.splice(0, 2);
  }
}

/**
 * Takes back everything the user's retained history added: co-occurrence dot products and norms of
 * every retained pair, their followed-by transitions and their trending counts, and the user (`who`,
 * their userHash) from the distinct users of each. Rows of the touched items are recomputed on their
 * next read, so a pair that lost its support leaves them.
 */
export function eraseContributions(user: UserHistory, who: number, shared: SharedItemState): void {
  const { decay, similarity: sim, transitions, trending } = shared;
  // an entry whose item was forgotten (at MODEL_MAX_ITEMS or idle) took its contributions with it; a
  // node holding the id now is a new item that owes the user nothing
  const forgotten = (e: HistoryEntry): boolean => e.peer !== undefined && (e.peer as ItemNode).index < 0;
  const entries = [...user.items.values()].filter((e) => !forgotten(e));
  for (let a = 0; a < entries.length; a++) {
    const ea = entries[a];
    const na = sim.nodes.get(ea.itemId);
    if (na !== undefined && ea.weight > 0) {
      const before = na.norm2;
      na.norm2 = na.norm2 - ea.weight * ea.weight;
      if (na.norm2 <= before * 1e-12) na.norm2 = 0;
      for (let b = 0; b < entries.length; b++) {
        const eb = entries[b];
        if (a === b || !(eb.weight > 0)) continue;
        const nb = sim.nodes.get(eb.itemId);
        if (nb !== undefined) na.counters.subtractAt(na.counters.slotOfPeer(nb.index), ea.weight * eb.weight, 1, who);
      }
      sim.invalidate(na);
    }
    for (const [from, minute] of followsOf(ea)) transitions.remove(from, ea.itemId, decay.scale(minute * MINUTE_MS), who);
    if (ea.trendMinute > 0) trending.remove(ea.itemId, trending.decay.scale(ea.trendMinute * MINUTE_MS), 1);
  }
}
