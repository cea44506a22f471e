import { type SlotEntries, tableBytes, tableCapacity, tableIn } from './slot-table.js';

/** The columns of a counter set (space-saving.ts) and its slot table, views of one buffer. */
export interface CounterColumns {
  /** Slots the columns hold. */
  readonly size: number;
  figures: Float64Array;
  ints: Int32Array;
  /** Two per slot for distinct users (DistinctUsers), empty without them. */
  bytes: Uint8Array;
  table: SlotEntries;
}

const NO_BYTES = new Uint8Array(0);

/**
 * The columns of `size` counters and their slot table, as views of one buffer: a typed array costs
 * ~100 bytes besides its data, its own buffer ~90 more, and a counter set of three buffers and eight
 * views spent ~1.1 KB before its first counter. Counts and errors interleave in `figures`, a slot's
 * integers (`stride` of them) in `ints`. A slot's numbers are written when a counter takes it.
 */
export function counterColumns(size: number, stride: number, distinct: boolean): CounterColumns {
  const capacity = tableCapacity(size);
  const intsAt = size * 16;
  const tableAt = intsAt + size * stride * 4;
  const bytesAt = tableAt + tableBytes(capacity, size);
  const buffer = new ArrayBuffer(bytesAt + (distinct ? size * 2 : 0));
  return {
    size,
    figures: new Float64Array(buffer, 0, size * 2),
    ints: new Int32Array(buffer, intsAt, size * stride),
    bytes: distinct ? new Uint8Array(buffer, bytesAt, size * 2) : NO_BYTES,
    table: tableIn(buffer, tableAt, capacity, size),
  };
}

/** Columns of one shape kept for reuse; more would hold memory no counter set uses. */
const KEPT_PER_SHAPE = 8;

/**
 * Columns let go by counter sets that grew, for the next set to grow to their size. A set grows by
 * half at a time (8, 12, 18, … slots), and a new buffer with its views cost ~6 µs, more than the rest
 * of the growth together: 68,000 growths were a tenth of learning 200,000 events. Sets of one model
 * grow through the same sizes, so the columns one set leaves are what the next one needs. The figures,
 * integers and distinct-user bytes of a slot are written when a counter takes it; only the slot table
 * must be empty, and is emptied here.
 */
export class ColumnPool {
  private readonly kept = new Map<number, CounterColumns[]>();

  /** Columns of `size` slots, reused when some are kept, else new. */
  take(size: number, stride: number, distinct: boolean): CounterColumns {
    const columns = this.kept.get(shapeKey(size, stride, distinct))?.pop();
    if (columns === undefined) return counterColumns(size, stride, distinct);
    columns.table.fill(0);
    return columns;
  }

  /** Columns no counter set uses any more (kept unless enough of their shape are). */
  give(columns: CounterColumns): void {
    const key = shapeKey(columns.size, columns.ints.length / columns.size, columns.bytes.length > 0);
    let shelf = this.kept.get(key);
    if (shelf === undefined) {
      shelf = [];
      this.kept.set(key, shelf);
    }
    if (shelf.length < KEPT_PER_SHAPE) shelf.push(columns);
  }
}

function shapeKey(size: number, stride: number, distinct: boolean): number {
  return (size * 256 + stride) * 2 + (distinct ? 1 : 0);
}
