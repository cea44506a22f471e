import type { Recommendation } from '../events/types.js';

/** Lists kept when the model holds users without a cap (MODEL_MAX_USERS=0). */
const UNCAPPED_MODEL_LISTS = 200_000;

/**
 * How many users' latest lists a process keeps: as many as the model holds users. Bounded apart
 * from the model, lists of users it has forgotten would go on filling memory long after the model's
 * memory stopped growing.
 */
export function latestListCapacity(maxUsers: number): number {
  return maxUsers > 0 ? maxUsers : UNCAPPED_MODEL_LISTS;
}

/** The value of a list record (its recommendations-topic bytes), or null when it cannot be read now. */
export type ListDecoder = (bytes: Buffer) => Recommendation | null;

/**
 * A list as held: the bytes of its record, when it was made and its items' ids. As objects (the
 * list, its items, their reasons) a list took ~3.3 KB of heap, a sixth of the bench's live heap;
 * held so, ~0.45 KB of heap and ~0.8 KB outside it. It is decoded only when asked for (a
 * subscription, a GET), which is rare beside the events that replace it.
 */
interface HeldList {
  bytes: Buffer;
  generatedAt: number;
  /** null until first asked for, for a list held without being read (hold). */
  itemIds: readonly string[] | null;
}

/** The latest list per user, bounded: least recently written users fall out first. */
export class LatestLists {
  private readonly lists = new Map<string, HeldList>();

  constructor(
    readonly capacity: number,
    private readonly decode: ListDecoder,
  ) {}

  /** The user's latest list, decoded; undefined when there is none (or it cannot be read now). */
  get(userId: string): Recommendation | undefined {
    const held = this.lists.get(userId);
    return held === undefined ? undefined : (this.decode(held.bytes) ?? undefined);
  }

  /** When the user's latest list was made. */
  generatedAt(userId: string): number | undefined {
    return this.lists.get(userId)?.generatedAt;
  }

  /** The ids of the items of the user's latest list, in its order (empty when it cannot be read now). */
  itemIds(userId: string): readonly string[] | undefined {
    const held = this.lists.get(userId);
    if (held === undefined) return undefined;
    if (held.itemIds === null) {
      const rec = this.decode(held.bytes);
      if (rec === null) return [];
      held.itemIds = rec.items.map((item) => item.itemId);
    }
    return held.itemIds;
  }

  /** Holds `rec` as the user's latest list; `bytes` is its record's value, which it decodes back to. */
  set(rec: Recommendation, bytes: Buffer): void {
    this.keep(
      rec.userId,
      bytes,
      rec.generatedAt,
      rec.items.map((item) => item.itemId),
    );
  }

  /**
   * Holds a list as the user's latest without reading it, from what its record says outside its value
   * (its key and headers): another process's list that no one here listens for, read only if asked.
   */
  hold(userId: string, bytes: Buffer, generatedAt: number): void {
    this.keep(userId, bytes, generatedAt, null);
  }

  private keep(userId: string, bytes: Buffer, generatedAt: number, itemIds: readonly string[] | null): void {
    // a copy of its own: the record's bytes may be a slice of a shared pool, which it would keep whole
    const own = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(own);
    this.lists.delete(userId);
    this.lists.set(userId, { bytes: own, generatedAt, itemIds });
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
