import v8 from 'node:v8';
import vm from 'node:vm';
import { ModelState, Recommender, resolveConfig } from '../model/index.js';
import type { ModelConfig } from '../model/types.js';
import { syntheticHistory } from './workload.js';

export interface MemoryResult {
  /** Heap held by user state (histories, dedup ids, spend) ÷ users. */
  bytesPerUser: number;
  /** Heap held by the rest (item nodes, co-occurrence counters, neighbours, trending, transitions, prices) ÷ items. */
  bytesPerItem: number;
  users: number;
  items: number;
  events: number;
  heapBytes: number;
  /** The model's own estimate, stats().approxBytes. */
  approxBytes: number;
  /** measured heap ÷ approxBytes (1 = the estimate is exact). */
  heapToApproxRatio: number;
}

let collect: (() => void) | null = null;

/** heapUsed after forced full collections (exposing gc() on first use if node was not run with --expose-gc). */
export function heapAfterGc(): number {
  if (collect === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) {
      collect = exposed;
    } else {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    }
  }
  // twice: the first pass can leave garbage that only a second one frees
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap held by a model built from a synthetic history, measured with forced collections: the whole
 * model, then again after dropping its user map, which splits the total into user state and item
 * state (the ranker and regression are a few hundred bytes and land in the item share).
 */
export function benchMemory(sizes: { users: number; items: number; events: number }, config: Partial<ModelConfig> = {}): MemoryResult {
  let history = syntheticHistory({ seed: 'memory', users: sizes.users, items: sizes.items, events: sizes.events, idPrefix: 'mem-' });
  const empty = heapAfterGc();
  let state: ModelState | null = new ModelState(resolveConfig(config));
  let model: Recommender | null = new Recommender(state);
  for (const event of history) model.learnOne(event);
  history = [];
  const whole = heapAfterGc() - empty;
  const stats = model.stats();
  state.users.clear();
  const itemsOnly = heapAfterGc() - empty;
  model = null;
  state = null;
  const userBytes = Math.max(0, whole - itemsOnly);
  return {
    bytesPerUser: stats.users > 0 ? Math.round(userBytes / stats.users) : 0,
    bytesPerItem: stats.items > 0 ? Math.round(Math.max(0, itemsOnly) / stats.items) : 0,
    users: stats.users,
    items: stats.items,
    events: stats.eventsApplied,
    heapBytes: whole,
    approxBytes: stats.approxBytes,
    heapToApproxRatio: stats.approxBytes > 0 ? Math.round((whole / stats.approxBytes) * 100) / 100 : 0,
  };
}
