import { ForwardDecay } from './decay.js';
import type { FollowRow, ItemFacts, ItemView, NeighborRow } from './item-view.js';
import type { NeighborRecord } from './neighbor-row.js';
import { kthLargest, SelectionBuffer } from './quickselect.js';

const TOP_TRENDING = 100;

class TableRow implements NeighborRow {
  neighborIndices = new Int32Array(0);
  neighborScores: number[] = [];
  follows: FollowRow | undefined = undefined;
  /** Trending in the table's stored units (one landmark for every row). */
  trend = 0;
  popularity = 0;
  price = 0;
  /** False for an item named only as someone's neighbour, or removed by its owner. */
  present = false;
  constructor(
    readonly id: string,
    readonly index: number,
  ) {}
}

/**
 * The global table: the newest published row of every item, read-only, the same in every process that
 * follows `item-neighbors` from its start. Answering reads it through ItemView exactly as it reads the
 * owner's live state in one process.
 */
export class NeighborTable implements ItemView {
  version = 0;
  readonly rows: TableRow[] = [];
  private readonly byId = new Map<string, TableRow>();
  private readonly trendDecay: ForwardDecay;
  private top: string[] = [];
  private topStale = false;
  private readonly selection = new SelectionBuffer();

  constructor(trendingHalfLifeHours: number) {
    this.trendDecay = new ForwardDecay(trendingHalfLifeHours);
  }

  private rowFor(itemId: string): TableRow {
    let row = this.byId.get(itemId);
    if (row === undefined) {
      row = new TableRow(itemId, this.rows.length);
      this.rows.push(row);
      this.byId.set(itemId, row);
    }
    return row;
  }

  /** Takes an owner's newest row of an item. */
  apply(record: NeighborRecord): void {
    const row = this.rowFor(record.item);
    row.present = true;
    const { ids, values } = record.neighbors;
    const n = ids.length;
    // written in place when long enough (readers take the first ids.length, synchronously): a fresh
    // Int32Array per applied row was an ArrayBuffer each, several hundred thousand a minute
    const indices = row.neighborIndices.length >= n ? row.neighborIndices : new Int32Array(n);
    for (let k = 0; k < n; k++) indices[k] = this.rowFor(ids[k]).index;
    row.neighborIndices = indices;
    // a record is read-only once made: its scores are the row's
    row.neighborScores = values;
    const follows = record.follows;
    const m = follows.ids.length;
    if (m === 0) row.follows = undefined;
    else {
      const previous = row.follows?.indices;
      const indices = previous !== undefined && previous.length >= m ? previous : new Int32Array(m);
      // the table's own id strings, which readers compare by reference first
      const followedIds: string[] = new Array(m);
      for (let k = 0; k < m; k++) {
        const followed = this.rowFor(follows.ids[k]);
        indices[k] = followed.index;
        followedIds[k] = followed.id;
      }
      row.follows = { ids: followedIds, indices, shares: follows.values };
    }
    const decay = this.trendDecay;
    if (decay.t0 === null) decay.t0 = record.trendT0;
    row.trend = record.trend * decay.fromLandmark(record.trendT0);
    row.popularity = record.popularity;
    row.price = record.price;
    this.topStale = true;
    this.version++;
  }

  /** The owner forgot the item (a tombstone): it leaves answers; rows naming it keep it until refreshed. */
  remove(itemId: string): void {
    const row = this.byId.get(itemId);
    if (row === undefined || !row.present) return;
    row.present = false;
    row.neighborScores = [];
    row.follows = undefined;
    row.trend = 0;
    row.popularity = 0;
    this.topStale = true;
    this.version++;
  }

  row(itemId: string): NeighborRow | undefined {
    return this.byId.get(itemId);
  }

  /** The published row's neighbours (present items only). */
  similar(itemId: string, limit: number): Array<{ itemId: string; score: number }> {
    const row = this.byId.get(itemId);
    if (row === undefined || !row.present) return [];
    const out: Array<{ itemId: string; score: number }> = [];
    for (let k = 0; k < row.neighborScores.length && out.length < limit; k++)
      out.push({ itemId: this.rows[row.neighborIndices[k]].id, score: row.neighborScores[k] });
    return out;
  }

  follows(itemId: string): FollowRow | undefined {
    return this.byId.get(itemId)?.follows;
  }

  trendingStored(itemId: string): number {
    return this.byId.get(itemId)?.trend ?? 0;
  }

  trendingFactor(now: number): number {
    return this.trendDecay.valueFactor(now);
  }

  popularity(itemId: string): number {
    return this.byId.get(itemId)?.popularity ?? 0;
  }

  knownId(itemId: string): string {
    return this.byId.get(itemId)?.id ?? itemId;
  }

  indexOf(itemId: string): number {
    return this.byId.get(itemId)?.index ?? -1;
  }

  priceOf(itemId: string): number {
    return this.byId.get(itemId)?.price ?? 0;
  }

  itemFacts(itemId: string, index: number, out: ItemFacts): ItemFacts {
    const at = index >= 0 && index < this.rows.length ? this.rows[index] : undefined;
    const row = at !== undefined && at.id === itemId ? at : this.byId.get(itemId);
    out.trend = row?.trend ?? 0;
    out.popularity = row?.popularity ?? 0;
    out.price = row?.price ?? 0;
    return out;
  }

  topTrending(): readonly string[] {
    if (this.topStale) {
      let present = this.rows.filter((r) => r.present && r.trend > 0);
      if (present.length > TOP_TRENDING) {
        // the TOP_TRENDING-th largest trend first: only rows at or above it are sorted (every
        // published batch of rows makes the list stale, and sorting all of them was 9 % of the engine)
        const trends = this.selection.view(present.length);
        for (let k = 0; k < present.length; k++) trends[k] = present[k].trend;
        const threshold = kthLargest(trends, TOP_TRENDING);
        present = present.filter((r) => r.trend >= threshold);
      }
      present.sort((a, b) => b.trend - a.trend || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.top = present.slice(0, TOP_TRENDING).map((r) => r.id);
      this.topStale = false;
    }
    return this.top;
  }
}
