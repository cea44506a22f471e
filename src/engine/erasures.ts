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
    return parsed;
  }

  get size(): number {
    return this.byUser.size;
  }
}
