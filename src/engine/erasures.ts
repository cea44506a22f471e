import { createHash } from 'node:crypto';
import { tpKey } from '../log/topic-partition.js';
import type { LogRecord } from '../log/types.js';
import type { DeltaSource } from '../model/item-delta.js';

/** A user's erasure: events of theirs below these input offsets are never learned again. */
export interface Erasure {
  userId: string;
  erasedAt: number;
  /** tpKey ("topic/partition") → first offset not erased. */
  offsets: Record<string, string>;
}

export const ERASURE_KEY_PREFIX = 'erasure:';
/** Delta sources of erasure take-backs are named `erasure/<erasedAt>-<id>`, one per erasure. */
export const ERASURE_SOURCE_PREFIX = 'erasure/';
const ERASURE_SOURCE_TOPIC = new RegExp(`^${ERASURE_SOURCE_PREFIX}(\\d+)-`);
/**
 * How long the items' owners remember that an erasure's take-backs were applied. Another sending comes
 * only from a process restoring a partition whose last checkpoint predates the erasure: within a state
 * commit or a rebalance of it. A week is far beyond that and keeps the sources remembered few.
 */
export const TAKE_BACKS_REMEMBERED_MS = 7 * 24 * 3_600_000;

/**
 * The delta source of an erasure's take-backs from one user-state partition. Whichever process sends
 * them (the one holding the user, or the one restoring the user's record after a crash) names the same
 * source, so the items' owners apply one sending only; `attempt` tells sendings apart (see ItemOwner).
 * The id is a hash: the item state keeps its sources, and must not keep whom they erased.
 */
export function erasureSource(erasure: Erasure, partition: number, attempt: number): Omit<DeltaSource, 'seq'> {
  const id = createHash('sha256').update(`${erasure.userId}@${erasure.erasedAt}`).digest('hex').slice(0, 20);
  return { topic: `${ERASURE_SOURCE_PREFIX}${erasure.erasedAt}-${id}`, partition, from: attempt - 1, to: attempt };
}

/** True for the take-back source of an erasure older than TAKE_BACKS_REMEMBERED_MS at `now`. */
export function erasureSourceEnded(topic: string, now: number): boolean {
  const at = ERASURE_SOURCE_TOPIC.exec(topic);
  return at !== null && Number(at[1]) < now - TAKE_BACKS_REMEMBERED_MS;
}

export class Erasures {
  private readonly byUser = new Map<string, Erasure>();
  /** Where each user's erasure marker is in the changelog (partition, offset), once read from it. */
  private readonly positions = new Map<string, [number, bigint]>();

  add(erasure: Erasure): void {
    this.byUser.set(erasure.userId, erasure);
  }

  /** The user's newest erasure, if any. */
  of(userId: string): Erasure | undefined {
    return this.byUser.get(userId);
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
