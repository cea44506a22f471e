import type { ItemNodeRecord, StoredItemNode } from './similarity.js';
import type { SpaceSavingColumns, StoredCounters } from './space-saving.js';
import type { ModelState } from './state.js';

/**
 * Everything one owned item holds on the item side, as plain data (counters in columns): the record
 * of the item-state store. Stored values are in the units of the landmarks the record names, so it
 * can be loaded into a state whose landmarks have moved since.
 */
export interface ItemRecord extends StoredItemRecord {
  node: ItemNodeRecord;
  follows: [number, SpaceSavingColumns] | null;
}

/** An item-state record as this version writes it (ItemRecord) or as earlier ones did (counters as JSON). */
export interface StoredItemRecord {
  /** Landmark of the co-occurrence and followed-by values. */
  t0: number | null;
  node: StoredItemNode;
  /** [total, counters] of the items that followed this one, or null. */
  follows: [number, StoredCounters] | null;
  /** Landmark of the trending value. */
  trendT0: number | null;
  /** [stored value, contributions], or null. */
  trend: [number, number] | null;
  price: number;
}

/** The record of an item this state owns; null when it holds none (forgotten, or only a peer). */
export function itemRecord(state: ModelState, itemId: string): ItemRecord | null {
  const node = state.similarity.nodes.get(itemId);
  if (node === undefined || !node.owned) return null;
  const trend = state.trending.counts.get(itemId);
  return {
    t0: state.decay.t0,
    node: state.similarity.nodeRecord(node),
    follows: state.transitions.nodeRecord(itemId),
    trendT0: state.trending.decay.t0,
    trend: trend === undefined ? null : [trend[0], trend[1]],
    price: state.prices.get(itemId) ?? 0,
  };
}

/** Loads an item's record, replacing what the state held for it; values move to the state's landmarks. */
export function loadItemRecord(state: ModelState, itemId: string, record: StoredItemRecord): void {
  const decay = state.decay;
  if (decay.t0 === null) decay.t0 = record.t0;
  const f = decay.fromLandmark(record.t0);
  state.similarity.load(itemId, record.node, f * f);
  if (record.follows !== null) state.transitions.load(itemId, record.follows[0], record.follows[1], f);
  else state.transitions.nodes.delete(itemId);
  const trending = state.trending;
  if (trending.decay.t0 === null) trending.decay.t0 = record.trendT0;
  if (record.trend !== null) trending.load(itemId, record.trend[0] * trending.decay.fromLandmark(record.trendT0), record.trend[1]);
  if (record.price > 0) state.prices.set(itemId, record.price);
  if (record.node.lastTime > state.maxTime) state.maxTime = record.node.lastTime;
}
