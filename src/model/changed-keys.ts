/**
 * Keys (user or item ids) changed since they were last taken: what an owner publishes or a state
 * store writes next. A key whose state is gone stays in it too: its reader writes a tombstone.
 */
export class ChangedKeys {
  private readonly keys = new Set<string>();
  /**
   * Told of each key as it is added. The user side adds a user before changing them (after taking a
   * forgotten one out): a store still writing an earlier commit takes that user's record first.
   */
  beforeChange: ((key: string) => void) | null = null;
  /**
   * Told before a change that may reach any key: forgetting items drops their counters from every
   * other item. A store still writing takes every record it owes first.
   */
  beforeAnyChange: (() => void) | null = null;

  add(key: string): void {
    this.beforeChange?.(key);
    this.keys.add(key);
  }

  /**
   * The key's changes so far are accounted for (a row was just made from its state): it leaves the
   * keys to take, unless it changes again.
   */
  settle(key: string): void {
    this.keys.delete(key);
  }

  /** A change that may reach any key is about to be made. */
  changingAny(): void {
    this.beforeAnyChange?.();
  }

  get size(): number {
    return this.keys.size;
  }

  /** The keys changed since the last call, in order of first change. */
  take(): string[] {
    if (this.keys.size === 0) return [];
    const out = [...this.keys];
    this.keys.clear();
    return out;
  }
}
