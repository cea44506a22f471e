/**
 * What the user side tells the item side after applying one event (or erasing a user): increments
 * of item state in the user side's stored (forward-decayed) units. The item side applies them at
 * once in one process (ItemSide), or they are gathered per item into delta records for the item's
 * owner (ItemDeltaBatch). Pair amounts are products of two stored weights (squared units).
 */
export interface ItemUpdates {
  /** The item was interacted with at `time`: it becomes the most recently active. */
  touch(itemId: string, time: number): void;
  /** dot(a, b) += amount in both directions on behalf of `who` (userHash); `nInc` new co-occurrences. */
  pair(a: string, b: string, amount: number, nInc: number, who: number): void;
  /** ‖r_i‖² += amount. */
  norm(itemId: string, amount: number): void;
  /** The user's trending contribution to the item starts at `minute`, or moves from `fromMinute` to it. */
  trend(itemId: string, minute: number, fromMinute: number): void;
  /** Followed-by from → to grows by `weight` (stored units) on behalf of `who`. */
  follow(from: string, to: string, weight: number, nInc: number, who: number): void;
  price(itemId: string, price: number): void;
  /** Erasure: dot(a, b) −= amount on a's side only (b's side gets its own call). */
  unpair(a: string, b: string, amount: number, who: number): void;
  unnorm(itemId: string, amount: number): void;
  unfollow(from: string, to: string, weight: number, who: number): void;
  /** Erasure: the user's trending contribution booked at `minute` is taken back. */
  untrend(itemId: string, minute: number): void;
}
