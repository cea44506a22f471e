import { tpKey } from '../log/topic-partition.js';
import type { LogRecord } from '../log/types.js';

/** A user's erasure: events of theirs below these input offsets are never learned again. */
export interface Erasure {
  userId: string;
  erasedAt: number;
  /** tpKey ("topic/partition") → first offset not erased. */
  offsets: Record<string, string>;
}

export const ERASURE_KEY_PREFIX = 'erasure:';

export class Erasures {
  private readonly byUser = new Map<string, Erasure>();
  /** Where each user's erasure marker is in the changelog (partition, offset), once read from it. */
  private readonly positions = new Map<string, [number, bigint]>();

  add(erasure: Erasure): void {
    this.byUser.set(erasure.userId, erasure);
  }

  /** True when the record is one of the user's events from before their erasure. */
  covers(userId: string, record: LogRecord): boolean {
    const erasure = this.byUser.get(userId);
    if (erasure === undefined) return false;
    const upTo = erasure.offsets[tpKey(record)];
    return upTo !== undefined && BigInt(record.offset) < BigInt(upTo);
  }

  /** Reads an erasure record of the changelog (returned; null for other keys). */
  load(record: LogRecord): Erasure | null {
    const key = record.key?.toString('utf8') ?? '';
    if (!key.startsWith(ERASURE_KEY_PREFIX) || record.value === null) return null;
    const parsed = JSON.parse(record.value.toString('utf8')) as Erasure;
    this.add(parsed);
    this.positions.set(parsed.userId, [record.partition, BigInt(record.offset)]);
    return parsed;
  }

  /**
   * True when the user has an erasure a writer that had read the changelog up to `seen` (partition →
   * next offset) did not know of: state it wrote for the user may predate the erasure.
   */
  unseenBy(userId: string, seen: Readonly<Record<string, string>>): boolean {
    if (!this.byUser.has(userId)) return false;
    const at = this.positions.get(userId);
    if (at === undefined) return true;
    const read = seen[String(at[0])];
    return read === undefined || BigInt(read) <= at[1];
  }

  get size(): number {
    return this.byUser.size;
  }
}
