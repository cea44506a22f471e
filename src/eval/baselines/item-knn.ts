import type { Contender } from '../contender.js';
import type { Interaction } from '../interactions.js';

export interface ItemKnnOptions {
  /** Most recent distinct items of the user whose neighbours are summed. */
  recentItems: number;
  /** Neighbours kept per item. */
  neighbors: number;
  /** A cached neighbour list is recomputed once its item's row has changed by this fraction. */
  refreshFraction: number;
}

interface Row {
  /** Users who interacted with the item (‖binary column‖²). */
  users: number;
  /** Users who interacted with both this item and the key. */
  co: Map<string, number>;
  /** Increments to `users` and `co` since the start: the row's version. */
  changes: number;
  cached: Array<[string, number]> | null;
  cachedAt: number;
}

/**
 * Plain item-kNN as one would hand-roll it: cosine on the binary user–item incidence over all data so
 * far (co-occurrence counts kept incrementally), a candidate scored by the sum of its similarities to
 * the user's last N items. Neighbour lists are cached and recomputed once the row has changed by
 * `refreshFraction` (exact lists on every call would cost a full row scan per history item).
 */
export class ItemKnnBaseline implements Contender {
  readonly name = 'itemKnn';
  private readonly options: ItemKnnOptions;
  private readonly rows = new Map<string, Row>();
  private readonly users = new Map<string, { items: Set<string>; recent: string[] }>();

  constructor(options: Partial<ItemKnnOptions> = {}) {
    this.options = { recentItems: 20, neighbors: 100, refreshFraction: 0.1, ...options };
  }

  learn(interaction: Interaction): void {
    const { userId, itemId } = interaction;
    let user = this.users.get(userId);
    if (user === undefined) {
      user = { items: new Set(), recent: [] };
      this.users.set(userId, user);
    }
    if (!user.items.has(itemId)) {
      const row = this.row(itemId);
      for (const other of user.items) {
        const otherRow = this.row(other);
        row.co.set(other, (row.co.get(other) ?? 0) + 1);
        otherRow.co.set(itemId, (otherRow.co.get(itemId) ?? 0) + 1);
        otherRow.changes++;
      }
      row.changes += user.items.size + 1;
      row.users++;
      user.items.add(itemId);
    }
    const at = user.recent.indexOf(itemId);
    if (at !== -1) user.recent.splice(at, 1);
    user.recent.push(itemId);
    if (user.recent.length > this.options.recentItems) user.recent.shift();
  }

  recommend(userId: string, k: number, _now: number, seen: ReadonlySet<string>): string[] {
    const user = this.users.get(userId);
    if (user === undefined) return [];
    const scores = new Map<string, number>();
    for (const h of user.recent) {
      for (const [candidate, sim] of this.neighbors(h)) {
        if (seen.has(candidate) || user.items.has(candidate)) continue;
        scores.set(candidate, (scores.get(candidate) ?? 0) + sim);
      }
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, k)
      .map(([id]) => id);
  }

  /** Cosine neighbours of an item, best first. */
  neighbors(itemId: string): Array<[string, number]> {
    const row = this.rows.get(itemId);
    if (row === undefined) return [];
    if (row.cached === null || row.changes - row.cachedAt > this.options.refreshFraction * row.cachedAt) {
      const list: Array<[string, number]> = [];
      for (const [other, count] of row.co) {
        const otherUsers = this.rows.get(other)?.users ?? 0;
        list.push([other, count / Math.sqrt(row.users * otherUsers)]);
      }
      list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      row.cached = list.slice(0, this.options.neighbors);
      row.cachedAt = row.changes;
    }
    return row.cached;
  }

  private row(itemId: string): Row {
    let row = this.rows.get(itemId);
    if (row === undefined) {
      row = { users: 0, co: new Map(), changes: 0, cached: null, cachedAt: 0 };
      this.rows.set(itemId, row);
    }
    return row;
  }
}
