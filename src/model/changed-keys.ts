/**
 * Keys (user or item ids) changed since they were last taken: what an owner publishes or a state
 * store writes next. A key whose state is gone stays in it too: its reader writes a tombstone.
 */
export class ChangedKeys {
  private readonly keys = new Set<string>();

  add(key: string): void {
    this.keys.add(key);
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
