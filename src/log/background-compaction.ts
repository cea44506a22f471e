/**
 * Compaction off the produce path, in slices: a partition due for compaction is worked on a few
 * milliseconds per turn of the event loop, as Kafka's cleaner threads work beside the broker. A whole
 * pass over a large changelog took the event loop for most of a second inside the produce that
 * found it due.
 */
import { performance } from 'node:perf_hooks';
import type { PartitionLog } from './partition-log.js';

/** Work per turn of the event loop. */
const SLICE_MS = 8;

export class BackgroundCompaction {
  private readonly waiting = new Set<PartitionLog>();
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly now: () => number,
    private readonly failed: (partition: PartitionLog, err: unknown) => void,
  ) {}

  /** Looks at the partition on a later turn, and compacts it in slices if it is due. */
  schedule(partition: PartitionLog): void {
    this.waiting.add(partition);
    this.scheduled ??= setImmediate(() => this.slice());
  }

  stop(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.waiting.clear();
  }

  private slice(): void {
    this.scheduled = null;
    const deadline = performance.now() + SLICE_MS;
    const past = (): boolean => performance.now() >= deadline;
    const now = this.now();
    for (const partition of this.waiting) {
      try {
        if (!partition.compactInSteps(now, past)) this.waiting.delete(partition);
      } catch (err) {
        this.waiting.delete(partition);
        this.failed(partition, err);
      }
      if (past()) break;
    }
    if (this.waiting.size > 0) this.scheduled = setImmediate(() => this.slice());
  }
}
