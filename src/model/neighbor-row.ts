import type { ItemSide } from './item-side.js';

/**
 * One item's row as its owner publishes it to the global table (`item-neighbors`, keyed by item):
 * everything answering reads of the item, in the owner's stored units where they are relative.
 */
export interface NeighborRecord {
  item: string;
  /** [id, score] of the top-K neighbours, best first. */
  neighbors: Array<[string, number]>;
  /** [id, share] of followed-by items. */
  follows: Array<[string, number]>;
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
  const neighbors: Array<[string, number]> = [];
  for (let k = 0; k < node.neighborScores.length; k++) neighbors.push([rows[node.neighborIndices[k]].id, node.neighborScores[k]]);
  const follows: Array<[string, number]> = [];
  const f = items.follows(itemId);
  if (f !== undefined) for (let k = 0; k < f.ids.length; k++) follows.push([f.ids[k], f.shares[k]]);
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
