import type { ForwardDecay } from './decay.js';
import type { ItemUpdates } from './item-updates.js';
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

/**
 * Counts the entry's user for its item in trending at `time`, at most once per window: a new window
 * replaces the user's previous count (decayed from its own start) by one from now.
 */
export function addTrending(updates: ItemUpdates, entry: HistoryEntry, time: number, windowMs: number): void {
  const minute = minuteOf(time);
  const previous = entry.trendMinute;
  if (previous > 0 && Math.abs(minute - previous) * MINUTE_MS < windowMs) return;
  if (previous > minute) return;
  updates.trend(entry.itemId, minute, previous);
  entry.trendMinute = minute;
}

/**
 * Adds the transition from → entry.itemId at `time` by the user `who` (userHash): their weight on it
 * is the decayed weight of their latest such transition, not the sum of repeats.
 */
export function addFollow(updates: ItemUpdates, decay: ForwardDecay, entry: HistoryEntry, from: string, time: number, who: number): void {
  const minute = minuteOf(time);
  const weight = decay.scale(minute * MINUTE_MS);
  if (entry.followFrom === from) {
    if (minute > entry.followMinute) {
      updates.follow(from, entry.itemId, weight - decay.scale(entry.followMinute * MINUTE_MS), 0, who);
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
        updates.follow(from, entry.itemId, weight - decay.scale(before * MINUTE_MS), 0, who);
        more[k + 1] = minute;
      }
      return;
    }
  }
  updates.follow(from, entry.itemId, weight, 1, who);
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
 * their userHash) from the distinct users of each. The item side ignores what names an item it no
 * longer holds; rows of the touched items are recomputed, so a pair that lost its support leaves them.
 */
export function eraseContributions(user: UserHistory, who: number, decay: ForwardDecay, updates: ItemUpdates): void {
  const entries = [...user.items.values()];
  for (let a = 0; a < entries.length; a++) {
    const ea = entries[a];
    if (ea.weight > 0) {
      updates.unnorm(ea.itemId, ea.weight * ea.weight);
      for (let b = 0; b < entries.length; b++) {
        const eb = entries[b];
        if (a === b || !(eb.weight > 0)) continue;
        updates.unpair(ea.itemId, eb.itemId, ea.weight * eb.weight, who);
      }
    }
    for (const [from, minute] of followsOf(ea)) updates.unfollow(from, ea.itemId, decay.scale(minute * MINUTE_MS), who);
    if (ea.trendMinute > 0) updates.untrend(ea.itemId, ea.trendMinute);
  }
}
