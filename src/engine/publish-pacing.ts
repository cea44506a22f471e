/**
 * While deltas wait behind the ones applied, rows are published every this many NEIGHBOR_PUBLISH_MS:
 * a busy row changes again with every batch then, and each publication is read by every process (as
 * Kafka Streams' record cache forwards fewer updates of a busy key).
 */
export const CATCH_UP_PUBLISH_FACTOR = 8;

/** When an item owner publishes its changed rows: every interval, or every CATCH_UP_PUBLISH_FACTOR of them while behind. */
export class PublishPacing {
  private publishedAt = Number.NEGATIVE_INFINITY;
  /** Partitions whose last batch ended short of their high watermark. */
  private readonly behind = new Set<string>();

  constructor(private readonly intervalMs: number) {}

  /** A batch of `partition` was applied up to `next`, with its high watermark at `high`. */
  applied(partition: string, next: bigint, high: bigint): void {
    if (high > next) this.behind.add(partition);
    else this.behind.delete(partition);
  }

  /** The partition went elsewhere. */
  release(partition: string): void {
    this.behind.delete(partition);
  }

  get catchingUp(): boolean {
    return this.behind.size > 0;
  }

  /** True when a publication is due at `now` (and counts it as made). */
  take(now: number): boolean {
    if (this.catchingUp && now - this.publishedAt < this.intervalMs * CATCH_UP_PUBLISH_FACTOR) return false;
    this.publishedAt = now;
    return true;
  }
}
