import type { ItemSide } from './item-side.js';

/**
 * Ids and a number for each, entry k being ids[k] and values[k]: two arrays, where an [id, number]
 * array per entry made 50 arrays for a row of 50 neighbours (and every owner publishes its changed
 * rows every NEIGHBOR_PUBLISH_MS).
 */
export interface IdValues {
  ids: string[];
  values: number[];
}

/**
 * One item's row as its owner publishes it to the global table (`item-neighbors`, keyed by item):
 * everything answering reads of the item, in the owner's stored units where they are relative.
 */
export interface NeighborRecord {
  item: string;
  /** The top-K neighbours and their scores, best first. */
  neighbors: IdValues;
  /** Followed-by items and their shares. */
  follows: IdValues;
  /** ‖r‖² and trending in stored units of the landmarks t0 / trendT0. */
  norm2: number;
  t0: number | null;
  trend: number;
  trendT0: number | null;
  /** Distinct users behind trending (undecayed). */
  popularity: number;
  price: number;
}

/** The owner's current row of `itemId`, or null when it holds no such item. */
export function neighborRecord(items: ItemSide, itemId: string): NeighborRecord | null {
  const node = items.node(itemId);
  if (node === undefined) return null;
  const rows = items.rows;
  const n = node.neighborScores.length;
  // copied: the node's next refresh rewrites its scores in place, and a record is read-only once made
  const neighbors: IdValues = { ids: new Array(n), values: node.neighborScores.slice() };
  for (let k = 0; k < n; k++) neighbors.ids[k] = rows[node.neighborIndices[k]].id;
  // follows() returns a row it fills again on its next call
  const f = items.follows(itemId);
  const follows: IdValues = f === undefined ? { ids: [], values: [] } : { ids: f.ids.slice(), values: f.shares.slice() };
  const facts = items.itemFacts(itemId, node.index, { trend: 0, popularity: 0, price: 0 });
  return {
    item: itemId,
    neighbors,
    follows,
    norm2: node.norm2,
    t0: items.landmark,
    trend: facts.trend,
    trendT0: items.trendingLandmark,
    popularity: facts.popularity,
    price: facts.price,
  };
}
