import type { HistoryEntry } from './history-entry.js';

/**
 * One user's history entries, least recently touched first, found by item id: the reads of a
 * Map<string, HistoryEntry> over one array. A history holds at most a few dozen entries, where a scan
 * from the newest costs about what a hash lookup does, and a Map slot cost ~45 bytes an entry (a
 * fifth of the user side's memory at the bench's shape).
 */
export class HistoryItems {
  private list: HistoryEntry[] = [];

  get size(): number {
    return this.list.length;
  }

  private indexOf(itemId: string): number {
    const list = this.list;
    // newest first: the item an event names is usually one of the last touched
    for (let k = list.length - 1; k >= 0; k--) if (list[k].itemId === itemId) return k;
    return -1;
  }

  get(itemId: string): HistoryEntry | undefined {
    const k = this.indexOf(itemId);
    return k < 0 ? undefined : this.list[k];
  }

  has(itemId: string): boolean {
    return this.indexOf(itemId) >= 0;
  }

  /** Makes `entry` (of `itemId`) the most recent, replacing the item's entry if there was one. */
  set(itemId: string, entry: HistoryEntry): this {
    const k = this.indexOf(itemId);
    if (k >= 0) this.list.splice(k, 1);
    this.list.push(entry);
    return this;
  }

  delete(itemId: string): boolean {
    const k = this.indexOf(itemId);
    if (k < 0) return false;
    this.list.splice(k, 1);
    return true;
  }

  /** The least recently touched entry. */
  oldest(): HistoryEntry | undefined {
    return this.list[0];
  }

  keys(): IterableIterator<string> {
    return this.list.map((entry) => entry.itemId).values();
  }

  values(): IterableIterator<HistoryEntry> {
    return this.list.values();
  }

  entries(): IterableIterator<[string, HistoryEntry]> {
    return this.list.map((entry): [string, HistoryEntry] => [entry.itemId, entry]).values();
  }

  [Symbol.iterator](): IterableIterator<[string, HistoryEntry]> {
    return this.entries();
  }
}
