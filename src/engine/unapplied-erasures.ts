import type { LogRecord } from '../log/types.js';
import type { ErasureTakeBacks } from './erasure-take-backs.js';
import type { Erasures } from './erasures.js';

type Seen = Readonly<Record<string, string>>;

/**
 * The erasures a user-state partition being restored had not applied yet. An erasure may come while
 * no process holds the user's partition (a rebalance) or just before the process holding it stops:
 * then the user's record and the input after the checkpoint still hold what their events added to
 * item state, and only the process restoring them can take it back. Such users are restored, their
 * events from before the erasure replayed as their first owner learnt them, and then forgotten with
 * their take-backs — at their first event after the erasure (a new history begins there) or at the
 * end of the replay. An erasure the checkpoint's writer had read was applied by it: its records and
 * events are skipped as before.
 */
export class UnappliedErasures {
  private checkpointSeen: Seen = {};
  /** Users restored or replayed whose erasure is still to apply. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly erasures: Erasures,
    private readonly partition: number,
    private readonly takeBacks: ErasureTakeBacks,
  ) {}

  /** Whether a stored record is loaded, by what its writer (`seen`) and the checkpoint's had read. */
  keep(userId: string, seen: Seen, checkpointSeen: Seen): boolean {
    if (!this.erasures.unseenBy(userId, seen)) return true;
    // the erasure was applied after this record was written: a record left behind
    if (!this.erasures.unseenBy(userId, checkpointSeen)) return false;
    this.pending.add(userId);
    return true;
  }

  /** The checkpoint the partition's replay starts from, by what its writer had read. */
  opened(checkpointSeen: Seen): void {
    this.checkpointSeen = checkpointSeen;
  }

  /** The replay's ErasureCheck: true when the event is skipped. */
  skip(userId: string, record: LogRecord): boolean {
    const erasure = this.erasures.of(userId);
    if (erasure === undefined) return false;
    if (!this.erasures.unseenBy(userId, this.checkpointSeen)) return this.erasures.covers(userId, record);
    if (this.erasures.covers(userId, record)) {
      this.pending.add(userId);
      return false;
    }
    if (this.pending.delete(userId)) this.takeBacks.forget(erasure, this.partition);
    return false;
  }

  /** The replay is over: every user still pending is forgotten. */
  finish(): void {
    for (const userId of this.pending) {
      const erasure = this.erasures.of(userId);
      if (erasure !== undefined) this.takeBacks.forget(erasure, this.partition);
    }
    this.pending.clear();
  }
}
