import type { ForwardDecay } from './decay.js';
import type { Transitions } from './transitions.js';
import type { Trending } from './trending.js';
import type { HistoryEntry } from './user-history.js';

/**
 * What one user adds to the shared item state, bounded per user and remembered on the user's history
 * entries:
 * - trending: a user counts once per item, decayed from the start of their latest window
 *   (`trendingWindowHours`): trending measures distinct recent users, and repeating an event, or
 *   coming back every day, does not make an item trend;
 * - followed-by: a user's weight on from → to is their latest transition (decayed), not a count of
 *   repeats;
 * - co-occurrence: a user's weight on an item is their strongest interaction (recommender.ts), and
 *   dot(i, j) holds r_ui·r_uj for every retained pair.
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
 * Adds the user's transition from → entry.itemId at `time` (`toIndex`: the item's similarity index):
 * their weight on it is the decayed weight of their latest such transition, not the sum of repeats.
 */
export function addFollow(transitions: Transitions, decay: ForwardDecay, entry: HistoryEntry, from: string, time: number, toIndex: number): void {
  const minute = minuteOf(time);
  const weight = decay.scale(minute * MINUTE_MS);
  if (entry.followFrom === from) {
    if (minute > entry.followMinute) {
      transitions.add(from, entry.itemId, weight - decay.scale(entry.followMinute * MINUTE_MS), 0, toIndex);
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
        transitions.add(from, entry.itemId, weight - decay.scale(before * MINUTE_MS), 0, toIndex);
        more[k + 1] = minute;
      }
      return;
    }
  }
  transitions.add(from, entry.itemId, weight, 1, toIndex);
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
