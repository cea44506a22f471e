import type { UserHistory } from './user-history.js';

/**
 * Keeps the users map's insertion order as the order of last activity, least recent first, so the
 * user to forget when the cap is reached is the first key: O(1), no scan and no second structure.
 */
export class UserRecency {
  /** The user last moved to the end; consecutive events of one user then cost no map writes. */
  private newest: UserHistory | null = null;

  /** Makes a held user the most recently active. */
  touch(users: Map<string, UserHistory>, userId: string, user: UserHistory): void {
    if (this.newest === user) return;
    users.delete(userId);
    users.set(userId, user);
    this.newest = user;
  }

  /**
   * Adds a new user as the most recently active, first forgetting the least recently active ones
   * beyond `maxUsers` (0 = no cap). Returns how many were forgotten.
   */
  admit(users: Map<string, UserHistory>, userId: string, user: UserHistory, maxUsers: number): number {
    let forgotten = 0;
    if (maxUsers > 0) {
      for (const oldest of users.keys()) {
        if (users.size < maxUsers) break;
        users.delete(oldest);
        forgotten++;
      }
    }
    users.set(userId, user);
    this.newest = user;
    return forgotten;
  }
}
