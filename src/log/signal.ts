/**
 * A wake-up call for loops that wait for "something changed" (new records, a rebalance, stop):
 * waiters park on wait() and every notify() releases all of them at once, so nobody polls.
 */
export class Signal {
  private release: (() => void) | null = null;
  private pending: Promise<void> | null = null;

  wait(): Promise<void> {
    if (!this.pending) {
      this.pending = new Promise<void>((resolve) => {
        this.release = resolve;
      });
    }
    return this.pending;
  }

  notify(): void {
    const release = this.release;
    this.release = null;
    this.pending = null;
    release?.();
  }
}

/** A sleep that stop() can cut short, so shutting down never waits out a retry backoff. */
export class Backoff {
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 5_000,
  ) {}

  reset(): void {
    this.failures = 0;
  }

  /** Waits longer after each consecutive failure. */
  async sleep(): Promise<void> {
    const ms = Math.min(this.maxMs, this.initialMs * 2 ** this.failures);
    this.failures++;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
    this.timer = null;
    this.wake = null;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }
}
