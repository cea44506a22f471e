import type { Recommendation } from '../events/types.js';

/** Lists kept when the model holds users without a cap (MODEL_MAX_USERS=0). */
const UNCAPPED_MODEL_LISTS = 200_000;

/**
 * How many users' latest lists a process keeps: as many as the model holds users. A list is user
 * state and takes about 3.5 KB of heap, as much as a typical user's model state; bounded apart from
 * the model, lists of users it has forgotten would go on filling the heap long after the model's
 * memory stopped growing.
 */
export function latestListCapacity(maxUsers: number): number {
  return maxUsers > 0 ? maxUsers : UNCAPPED_MODEL_LISTS;
}

/** The latest list per user, bounded: least recently written users fall out first. */
export class LatestLists {
  private readonly lists = new Map<string, Recommendation>();

  constructor(private readonly capacity: number) {}

  get(userId: string): Recommendation | undefined {
    return this.lists.get(userId);
  }

  set(rec: Recommendation): void {
    this.lists.delete(rec.userId);
    this.lists.set(rec.userId, rec);
    if (this.lists.size > this.capacity) {
      const oldest = this.lists.keys().next().value;
      if (oldest !== undefined) this.lists.delete(oldest);
    }
  }

  delete(userId: string): boolean {
    return this.lists.delete(userId);
  }

  get size(): number {
    return this.lists.size;
  }
}
