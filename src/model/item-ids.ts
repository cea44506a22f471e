/** Indices stay below this, so two of them fit exactly in one double (history-items.ts). */
export const ITEM_INDEX_SPAN = 2 ** 26;
/** Indices are below this: the two above it are left for a history's own codes. */
export const MAX_ITEM_INDEX = ITEM_INDEX_SPAN - 2;
/** A sweep is not worth it below this many ids. */
const MIN_SWEEP_SIZE = 1024;

/**
 * Small integer names for item ids, so that a user's history holds its items as numbers among its
 * other numbers instead of one reference (8 bytes) per item and per followed-by source. One table
 * per model, shared by its users.
 *
 * Nothing counts references: when the table has grown to twice what the last sweep kept, the owner
 * sweeps it with every index still in use (markInUse), and the other ids are let go, their indices
 * reused. An index is valid from intern until a sweep that did not mark it.
 */
export class ItemIds {
  private readonly indices = new Map<string, number>();
  private names: string[] = [];
  private readonly free: number[] = [];
  private keptAtSweep = 0;

  get size(): number {
    return this.indices.size;
  }

  /** The id's index, made when it has none. */
  intern(id: string): number {
    const known = this.indices.get(id);
    if (known !== undefined) return known;
    const index = this.free.length > 0 ? (this.free.pop() as number) : this.names.length;
    if (index >= MAX_ITEM_INDEX) throw new RangeError(`more than ${MAX_ITEM_INDEX} item ids in use at once`);
    this.names[index] = id;
    this.indices.set(id, index);
    return index;
  }

  /** The id's index, -1 when it has none. */
  indexOf(id: string): number {
    return this.indices.get(id) ?? -1;
  }

  idAt(index: number): string {
    return this.names[index];
  }

  /** True when the table holds twice the ids its last sweep kept (and enough to bother). */
  get sweepDue(): boolean {
    return this.indices.size >= Math.max(MIN_SWEEP_SIZE, 2 * this.keptAtSweep);
  }

  /**
   * Lets go of every id whose index `markInUse` does not mark (it must mark every index held
   * anywhere); returns how many went.
   */
  sweep(markInUse: (mark: (index: number) => void) => void): number {
    const marks = new Uint8Array(this.names.length);
    markInUse((index) => {
      marks[index] = 1;
    });
    let gone = 0;
    for (let index = 0; index < this.names.length; index++) {
      const id = this.names[index];
      // a free index's name is '' and maps elsewhere, or nowhere
      if (marks[index] === 1 || this.indices.get(id) !== index) continue;
      this.indices.delete(id);
      this.names[index] = '';
      this.free.push(index);
      gone++;
    }
    this.keptAtSweep = this.indices.size;
    return gone;
  }
}
