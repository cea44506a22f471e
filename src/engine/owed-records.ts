import type { StoreEntry } from './state-store.js';

/**
 * The records a state-store commit owes while it writes them in slices, the next batches going on
 * meanwhile: each is made as it is written, unless its key is about to change first — then it is made
 * at once — so every record is its key as of the commit's checkpoint.
 */
export class OwedRecords<V> {
  private readonly taken = new Map<string, V | null>();

  /** `keys`: each key owed and the partition its record goes to (undefined: the key's own). `make`: a key's record now, null when gone. */
  constructor(
    private readonly keys: Map<string, number | undefined>,
    private readonly make: (key: string) => V | null,
  ) {}

  /** The key is about to change: its record as it is now, while still owed. */
  take(key: string): void {
    if (!this.keys.has(key) || this.taken.has(key)) return;
    this.taken.set(key, this.make(key));
  }

  /** A change that may reach any key is about to be made: every record still owed, as it is now. */
  takeAll(): void {
    for (const key of this.keys.keys()) if (!this.taken.has(key)) this.taken.set(key, this.make(key));
  }

  /** The records, in the order of the keys, each made when asked for unless taken early. */
  *entries(): Generator<StoreEntry<V>> {
    for (const [key, partition] of this.keys) {
      const value = this.taken.has(key) ? (this.taken.get(key) ?? null) : this.make(key);
      // written: a later change is the next commit's
      this.keys.delete(key);
      this.taken.delete(key);
      yield partition === undefined ? [key, value] : [key, value, partition];
    }
  }
}
