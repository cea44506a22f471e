import type { ForwardDecay } from './decay.js';
import type { HistoryItems } from './history-items.js';
import type { ItemUpdates } from './item-updates.js';
import type { UserHistory } from './user-history.js';

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
 * beyond history-items.ts' MAX_FOLLOWS_PER_ENTRY) can no longer be told apart: it stays in the counters as anonymous
 * aggregate, as do the ranker's and the order-value regression's weights.
 */

const MINUTE_MS = 60_000;

/** The whole minute (since the epoch) a contribution at `time` is booked at. */
export const minuteOf = (time: number): number => Math.floor(time / MINUTE_MS);

/**
 * Counts the user for the item in history slot `slot` in trending at `time`, at most once per window:
 * a new window replaces the user's previous count (decayed from its own start) by one from now.
 */
export function addTrending(updates: ItemUpdates, items: HistoryItems, slot: number, time: number, windowMs: number): void {
  const minute = minuteOf(time);
  const previous = items.trendMinuteAt(slot);
  if (previous > 0 && Math.abs(minute - previous) * MINUTE_MS < windowMs) return;
  if (previous > minute) return;
  updates.trend(items.idAt(slot), minute, previous);
  items.setTrendMinute(slot, minute);
}

/**
 * Adds the transition from → the item in history slot `slot` at `time` by the user `who` (userHash):
 * their weight on it is the decayed weight of their latest such transition, not the sum of repeats.
 */
export function addFollow(
  updates: ItemUpdates,
  decay: ForwardDecay,
  items: HistoryItems,
  slot: number,
  from: string,
  time: number,
  who: number,
): void {
  const minute = minuteOf(time);
  const weight = decay.scale(minute * MINUTE_MS);
  const before = items.followMinute(slot, from);
  if (before >= 0) {
    if (minute > before) {
      updates.follow(from, items.idAt(slot), weight - decay.scale(before * MINUTE_MS), 0, who);
      items.setFollowMinute(slot, from, minute);
    }
    return;
  }
  updates.follow(from, items.idAt(slot), weight, 1, who);
  items.setFollowMinute(slot, from, minute);
}

/**
 * Takes back everything the user's retained history added: co-occurrence dot products and norms of
 * every retained pair, their followed-by transitions and their trending counts, and the user (`who`,
 * their userHash) from the distinct users of each. The item side ignores what names an item it no
 * longer holds; rows of the touched items are recomputed, so a pair that lost its support leaves them.
 */
export function eraseContributions(user: UserHistory, who: number, decay: ForwardDecay, updates: ItemUpdates): void {
  const items = user.items;
  for (let a = 0; a < items.size; a++) {
    const id = items.idAt(a);
    const wa = items.weightAt(a);
    if (wa > 0) {
      updates.unnorm(id, wa * wa);
      for (let b = 0; b < items.size; b++) {
        const wb = items.weightAt(b);
        if (a === b || !(wb > 0)) continue;
        updates.unpair(id, items.idAt(b), wa * wb, who);
      }
    }
    for (const [from, minute] of items.followsAt(a)) updates.unfollow(from, id, decay.scale(minute * MINUTE_MS), who);
    const trendMinute = items.trendMinuteAt(a);
    if (trendMinute > 0) updates.untrend(id, trendMinute);
  }
}
