import type { UserHistory } from './user-history.js';

/**
 * Keeps the users map's insertion order as the order of last activity, least recent first, so the
 * user to forget when the cap is reached is the first key: O(1), no scan and no second structure.
 */
export class UserRecency {
  /** The user last moved to the end; consecutive events of one user then cost no map writes. */
  private newest: UserHistory | null = null;
  /**
   * One long-lived iterator over the map's keys. Map iterators follow insertion order and see later
   * insertions, and every key before this one's position has been deleted (forgotten, or re-set at
   * the end), so its next key is the oldest. A fresh `keys()` would step over every deleted slot at
   * the front of the table on each call, until the map rehashes: quadratic under a flood of new users.
   */
  private cursor: { users: Map<string, UserHistory>; keys: Iterator<string> } | null = null;

  /** Makes a held user the most recently active. */
  touch(users: Map<string, UserHistory>, userId: string, user: UserHistory): void {
    if (this.newest === user) return;
    users.delete(userId);
    users.set(userId, user);
    this.newest = user;
  }

  /**
   * Adds a new user as the most recently active, first forgetting the least recently active ones
   * beyond `maxUsers` (0 = no cap), each added to `forgotten` when given. Returns how many were forgotten.
   */
  admit(
    users: Map<string, UserHistory>,
    userId: string,
    user: UserHistory,
    maxUsers: number,
    forgotten?: { add(userId: string): void } | null,
  ): number {
    let count = 0;
    while (maxUsers > 0 && users.size >= maxUsers) {
      const oldest = this.oldest(users);
      if (oldest === undefined) break;
      users.delete(oldest);
      forgotten?.add(oldest);
      count++;
    }
    users.set(userId, user);
    this.newest = user;
    return count;
  }

  private oldest(users: Map<string, UserHistory>): string | undefined {
    if (this.cursor === null || this.cursor.users !== users) this.cursor = { users, keys: users.keys() };
    let next = this.cursor.keys.next();
    if (next.done === true) {
      // an iterator that once reached the end stays there (the map was emptied): start again
      this.cursor.keys = users.keys();
      next = this.cursor.keys.next();
    }
    return next.done === true ? undefined : next.value;
  }
}
