import type { ItemNode, ItemSimilarity } from './similarity.js';
import { endsStep, type Steps } from './steps.js';
import type { Transitions } from './transitions.js';
import type { Trending } from './trending.js';

/** The state kept per item, outside user histories. */
export interface ItemState {
  similarity: ItemSimilarity;
  transitions: Transitions;
  trending: Trending;
  prices: Map<string, number>;
}

/**
 * When the cap is reached, this fraction of it (1/16) is forgotten at once: forgetting scans every
 * item's counters, so the scan is paid once per maxItems/16 new items, i.e. about 16 counter lists
 * per forgotten item.
 */
const BATCH_DIVISOR = 16;

/** The least recently active items to forget before one more fits under `maxItems` (0 = no cap). */
export function itemsOverCap(similarity: ItemSimilarity, maxItems: number): ItemNode[] {
  const held = similarity.nodes.size;
  if (!(maxItems > 0) || held < maxItems) return [];
  return similarity.recency.leastRecent(held - maxItems + Math.max(1, Math.floor(maxItems / BATCH_DIVISOR)));
}

/** Items whose latest interaction is older than `cutoff` (event time), in steps of items (steps.ts). */
export function* idleItems(similarity: ItemSimilarity, cutoff: number): Steps<ItemNode[]> {
  const out: ItemNode[] = [];
  let seen = 0;
  // an item held only as a peer has no interactions here: its owner decides when it is idle
  for (const node of similarity.nodes.values()) {
    if (node.owned && node.lastTime < cutoff) out.push(node);
    if (endsStep(++seen)) yield;
  }
  return out;
}

/**
 * Forgets items from every per-item structure: their own state, and their counters, neighbour-row
 * entries and followed-by counts in the remaining items, so nothing names them any more and their
 * indices can be reused. User histories keep their entries for these items (bounded by historyLength;
 * the model finds an item's node by id, so a forgotten item counts as unknown there). `onChanged`
 * hears of every remaining item that lost a counter, neighbour or followed-by item.
 */
export function forgetItems(state: ItemState, gone: readonly ItemNode[], onChanged: (itemId: string) => void = () => undefined): void {
  if (gone.length === 0) return;
  const ids = gone.map((node) => node.id);
  const similarity = state.similarity;
  const marks = similarity.forget(gone, (node) => onChanged(node.id));
  state.transitions.forget(ids, marks, onChanged);
  state.trending.forget(ids);
  for (const id of ids) state.prices.delete(id);
}
