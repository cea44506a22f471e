/** One item's neighbour row as answering reads it: dense `index` within its view, top-K by score. */
export interface NeighborRow {
  readonly id: string;
  /** Dense number within the view (−1 once gone): gatherer scratch arrays are indexed by it. */
  readonly index: number;
  /** The neighbours' indices within the view (`rows`, which names them; the first neighborScores.length are valid). */
  readonly neighborIndices: Int32Array;
  /** Their scores, best first: one per neighbour. */
  readonly neighborScores: readonly number[];
}

/** Items that followed an item in sessions, with enough distinct users behind each. */
export interface FollowRow {
  readonly ids: readonly string[];
  /** View indices of ids (the first ids.length entries are valid). */
  readonly indices: Int32Array;
  /** Share of the item's followed-by weight, > 0. */
  readonly shares: readonly number[];
}

/** An item's trending, popularity and price, read in one go (ItemView.itemFacts). */
export interface ItemFacts {
  /** Trending in stored units. */
  trend: number;
  popularity: number;
  /** 0 when unknown. */
  price: number;
}

/**
 * What answering (candidates, ranker features, trending fill, similar items) reads of item state:
 * the item owner's live state in one process (ItemSide), or the global table every process follows
 * (NeighborTable). Lists are built from exactly this, so they do not depend on where rows come from.
 */
export interface ItemView {
  /** Changes whenever anything readable here changes (memoised candidate pools check it). */
  readonly version: number;
  /** Rows by index (sizes the gatherer's scratch arrays). */
  readonly rows: readonly NeighborRow[];
  /** The item's current row. */
  row(itemId: string): NeighborRow | undefined;
  follows(itemId: string): FollowRow | undefined;
  /** Trending in stored units; × trendingFactor(now) is the decayed count at now. */
  trendingStored(itemId: string): number;
  trendingFactor(now: number): number;
  /** Undecayed number of trending contributions (distinct users). */
  popularity(itemId: string): number;
  /** Latest known price, 0 when unknown. */
  priceOf(itemId: string): number;
  /**
   * trendingStored, popularity and priceOf of the item written into `out`; `index` is its index in
   * `rows` when the caller knows it (−1 when not): the ranker asks this of every candidate it scores,
   * and one read of a row beats three lookups by id.
   */
  itemFacts(itemId: string, index: number, out: ItemFacts): ItemFacts;
  /**
   * The view's own copy of an item's id string when it holds the item, else `itemId`: what the user
   * side keeps, so a history of an item shares the string with the rows naming it.
   */
  knownId(itemId: string): string;
  /** The item's index in `rows`, −1 when it has none (neighbour-only rows included: they can be candidates). */
  indexOf(itemId: string): number;
  /** Most trending items first. */
  topTrending(): readonly string[];
}
