/** The links an entry of a RecencyList carries itself, so moving it costs a few pointer writes. */
export interface RecencyLinks<T> {
  older: T | null;
  newer: T | null;
}

/**
 * Entries in order of last activity, least recent first: an intrusive doubly linked list, so adding,
 * touching and removing are O(1) and the least recent entries are found without a scan or a sort.
 */
export class RecencyList<T extends RecencyLinks<T>> {
  oldest: T | null = null;
  newest: T | null = null;

  /** Appends an entry that is in no list as the most recent. */
  append(entry: T): void {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest !== null) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  /** Makes a listed entry the most recent. */
  touch(entry: T): void {
    if (this.newest === entry) return;
    this.remove(entry);
    this.append(entry);
  }

  remove(entry: T): void {
    if (entry.older !== null) entry.older.newer = entry.newer;
    else if (this.oldest === entry) this.oldest = entry.newer;
    if (entry.newer !== null) entry.newer.older = entry.older;
    else if (this.newest === entry) this.newest = entry.older;
    entry.older = null;
    entry.newer = null;
  }

  /** Up to `count` entries, least recent first. */
  leastRecent(count: number): T[] {
    const out: T[] = [];
    for (let e = this.oldest; e !== null && out.length < count; e = e.newer) out.push(e);
    return out;
  }

  /** All entries, least recent first. */
  *fromOldest(): IterableIterator<T> {
    for (let e = this.oldest; e !== null; e = e.newer) yield e;
  }
}
