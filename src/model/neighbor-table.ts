import { ForwardDecay } from './decay.js';
import type { FollowRow, ItemFacts, ItemView, NeighborRow } from './item-view.js';
import type { NeighborRecord } from './neighbor-row.js';
import { type PackedDoubles, packedDoubles, reserve } from './packed-doubles.js';
import { kthLargest, SelectionBuffer } from './quickselect.js';

const TOP_TRENDING = 100;

/** Every row's trend, popularity and price at 3 · index: as fields of the row they were three boxed numbers each. */
type RowFacts = PackedDoubles;

const TREND = 0;
const POPULARITY = 1;
const PRICE = 2;

class TableRow implements NeighborRow {
  neighborIndices = NO_INDICES;
  neighborScores: readonly number[] = NO_SCORES;
  follows: FollowRow | undefined = undefined;
  /** False for an item named only as someone's neighbour, or removed by its owner. */
  present = false;
  /** One of the table's most trending rows (see NeighborTable.topRows). */
  inTop = false;
  constructor(
    readonly id: string,
    readonly index: number,
    private readonly facts: RowFacts,
  ) {}

  /** Trending in the table's stored units (one landmark for every row). */
  get trend(): number {
    return this.facts.values[3 * this.index + TREND];
  }

  set trend(value: number) {
    this.facts.values[3 * this.index + TREND] = value;
  }

  get popularity(): number {
    return this.facts.values[3 * this.index + POPULARITY];
  }

  set popularity(value: number) {
    this.facts.values[3 * this.index + POPULARITY] = value;
  }

  get price(): number {
    return this.facts.values[3 * this.index + PRICE];
  }

  set price(value: number) {
    this.facts.values[3 * this.index + PRICE] = value;
  }
}

/** A row not applied yet names no neighbours: it shares these (an applied row has arrays of its own). */
const NO_INDICES = new Int32Array(0);
const NO_SCORES: readonly number[] = Object.freeze([]);

/**
 * The global table: the newest published row of every item, read-only, the same in every process that
 * follows `item-neighbors` from its start. Answering reads it through ItemView exactly as it reads the
 * owner's live state in one process.
 */
export class NeighborTable implements ItemView {
  version = 0;
  readonly rows: TableRow[] = [];
  private readonly byId = new Map<string, TableRow>();
  private readonly facts: RowFacts = packedDoubles(3 * 64);
  private readonly trendDecay: ForwardDecay;
  /**
   * The TOP_TRENDING most trending present rows (all of them while fewer are present), kept as rows
   * are applied: a published batch changed the list each time, and finding it again from every row at
   * the next read was ~2 % of the engine. Unordered while `topOrdered` is false.
   */
  private topRows: TableRow[] = [];
  private topOrdered = true;
  /** The last of topRows by rank, when known. */
  private lowest: TableRow | null = null;
  /** A row of the top lost trend or left: only a pass over every row finds what replaces it. */
  private topLost = false;
  /** The ids of topRows in order, as topTrending last returned them. */
  private top: string[] = [];
  private readonly selection = new SelectionBuffer();

  constructor(trendingHalfLifeHours: number) {
    this.trendDecay = new ForwardDecay(trendingHalfLifeHours);
  }

  private rowFor(itemId: string): TableRow {
    let row = this.byId.get(itemId);
    if (row === undefined) {
      const index = this.rows.length;
      reserve(this.facts, 3 * index + 3);
      row = new TableRow(itemId, index, this.facts);
      this.rows.push(row);
      this.byId.set(itemId, row);
    }
    return row;
  }

  /** Takes an owner's newest row of an item. */
  apply(record: NeighborRecord): void {
    const row = this.rowFor(record.item);
    const before = row.present ? row.trend : 0;
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
    this.retop(row, before);
    this.version++;
  }

  /** The owner forgot the item (a tombstone): it leaves answers; rows naming it keep it until refreshed. */
  remove(itemId: string): void {
    const row = this.byId.get(itemId);
    if (row === undefined || !row.present) return;
    const before = row.trend;
    row.present = false;
    row.neighborScores = NO_SCORES;
    row.follows = undefined;
    row.trend = 0;
    row.popularity = 0;
    this.retop(row, before);
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
    if (this.topLost) this.findTop();
    if (!this.topOrdered) {
      this.topRows.sort(byRank);
      this.top = this.topRows.map((r) => r.id);
      this.topOrdered = true;
    }
    return this.top;
  }

  /**
   * Keeps topRows after `row`'s trend went from `before` to its own: a row of the top that gained
   * stays in it, one outside that outranks the top's last takes its place; a row of the top that lost
   * leaves the top to be found again from every row.
   */
  private retop(row: TableRow, before: number): void {
    if (this.topLost) return;
    const counts = row.present && row.trend > 0;
    if (row.inTop) {
      if (!counts || row.trend < before) this.topLost = true;
      else if (row.trend !== before) {
        this.topOrdered = false;
        if (row === this.lowest) this.lowest = null;
      }
      return;
    }
    if (!counts) return;
    const top = this.topRows;
    if (top.length < TOP_TRENDING) {
      // fewer rows count than the top holds: every one of them is in it
      top.push(row);
    } else {
      const lowest = this.lowestOfTop();
      if (!outranks(row, lowest)) return;
      lowest.inTop = false;
      top[top.indexOf(lowest)] = row;
    }
    row.inTop = true;
    this.lowest = null;
    this.topOrdered = false;
  }

  private lowestOfTop(): TableRow {
    if (this.lowest === null) {
      const top = this.topRows;
      let lowest = top[0];
      for (let k = 1; k < top.length; k++) if (outranks(lowest, top[k])) lowest = top[k];
      this.lowest = lowest;
    }
    return this.lowest;
  }

  /** topRows from every row. */
  private findTop(): void {
    for (const r of this.topRows) r.inTop = false;
    let present = this.rows.filter((r) => r.present && r.trend > 0);
    if (present.length > TOP_TRENDING) {
      // the TOP_TRENDING-th largest trend first: only rows at or above it are sorted
      const trends = this.selection.view(present.length);
      for (let k = 0; k < present.length; k++) trends[k] = present[k].trend;
      const threshold = kthLargest(trends, TOP_TRENDING);
      present = present.filter((r) => r.trend >= threshold);
    }
    present.sort(byRank);
    if (present.length > TOP_TRENDING) present.length = TOP_TRENDING;
    for (const r of present) r.inTop = true;
    this.topRows = present;
    this.top = present.map((r) => r.id);
    this.topOrdered = true;
    this.lowest = null;
    this.topLost = false;
  }
}

/** More trending first, ties by id: the order of topTrending. */
function byRank(a: TableRow, b: TableRow): number {
  return b.trend - a.trend || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** True when `a` comes before `b` in topTrending's order. */
function outranks(a: TableRow, b: TableRow): boolean {
  return a.trend > b.trend || (a.trend === b.trend && a.id < b.id);
}
