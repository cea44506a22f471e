import type { UserHistoryJson } from './user-history.js';

/**
 * Everything the user side holds for one user, as plain JSON: the record of the user-state store.
 * Weights are in the units of the landmark `t0`, so it can be loaded into a state whose landmark has
 * moved since.
 */
export interface UserRecord {
  t0: number | null;
  history: UserHistoryJson;
}
