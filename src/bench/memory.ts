import v8 from 'node:v8';
import vm from 'node:vm';
import { ModelState, Recommender, resolveConfig } from '../model/index.js';
import type { ModelConfig } from '../model/types.js';
import { shapedHistory } from './workload.js';

/** The shape every measured model is built to (the user side at 20 items, the item side at its defaults' neighbours). */
export const MEMORY_SHAPE = { historyItems: 20, neighbors: 50, counters: 200 } as const;

/** The deployment the heap is extrapolated to. */
export const EXTRAPOLATION_TARGET = { users: 1_000_000, items: 50_000 } as const;

/** The estimate agrees when the measured bytes are within this share of it. */
const APPROX_TOLERANCE = 0.25;

/** Memory V8 holds for us after forced full collections: the JS heap and, outside it, typed arrays' buffers. */
export interface HeldBytes {
  heapUsed: number;
  /** ArrayBuffers (typed arrays' backing stores beyond V8's 64-byte on-heap limit, Buffers); part of `external`. */
  arrayBuffers: number;
  /** Everything V8 accounts outside its heap: arrayBuffers and other embedder memory. */
  external: number;
  /** heapUsed + external (which includes arrayBuffers): the total the process holds for these objects. */
  total: number;
}

/** The shape a measured model reached, read from its state (means over users and items). */
export interface ModelShape {
  historyItemsPerUser: number;
  countersPerItem: number;
  neighborsPerItem: number;
  /** Followed-by counters (capped by maxTransitionsPerItem): item state the shape does not fix. */
  transitionsPerItem: number;
}

/** One model built and measured. */
export interface MemorySize {
  users: number;
  items: number;
  events: number;
  shape: ModelShape;
  /** The whole model. */
  held: HeldBytes;
  /** Of it, user state: the whole model minus what it holds once its user map is cleared. */
  userBytes: number;
  /** The rest: item nodes with counters and neighbours, trending, transitions, prices, ranker, regression. */
  itemBytes: number;
  /** The model's own estimate, stats().approxBytes. */
  approxBytes: number;
  /** held.total ÷ approxBytes (1 = the estimate is exact). */
  heldToApproxRatio: number;
  /** |heldToApproxRatio − 1| ≤ 0.25. */
  approxAgrees: boolean;
}

export interface MemoryResult {
  /** User state ÷ users of the larger model: a user with a 20-item history. */
  bytesPerUser: number;
  /** Item state ÷ items of the larger model: an item with 50 neighbours and 200 co-occurrence counters. */
  bytesPerItem: number;
  /** The larger model's counts and totals (the per-user and per-item figures are of it). */
  users: number;
  items: number;
  events: number;
  /** held.total of the larger model (heapUsed + external). */
  heapBytes: number;
  approxBytes: number;
  heapToApproxRatio: number;
  /** Every measured model's estimate is within ±25 % of what it held. */
  approxAgrees: boolean;
  shape: ModelShape;
  /** The two models, smaller first. */
  sizes: [MemorySize, MemorySize];
  /**
   * Not measured: user bytes and item bytes each fitted with a line through the two sizes (fixed part
   * + slope × count) and evaluated at 1M users and 50k items.
   */
  extrapolated: {
    users: number;
    items: number;
    totalBytes: number;
    userBytes: number;
    itemBytes: number;
    /** The lines' slopes: marginal bytes of one more user and one more item. */
    bytesPerUserSlope: number;
    bytesPerItemSlope: number;
  };
}

export interface MemorySizes {
  /** Models of `clusters[0]` and `clusters[1]` clusters of 201 items, `usersPerCluster` users each (a few more close the shape). */
  clusters: [number, number];
  usersPerCluster: number;
}

let collect: (() => void) | null = null;

function collectGarbage(): void {
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
}

/** heapUsed after forced full collections (exposing gc() on first use if node was not run with --expose-gc). */
export function heapAfterGc(): number {
  return heldAfterGc().heapUsed;
}

/** What the process holds after forced full collections: the heap and the buffers outside it. */
export function heldAfterGc(): HeldBytes {
  collectGarbage();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external, total: m.heapUsed + m.external };
}

function minus(a: HeldBytes, b: HeldBytes): HeldBytes {
  return {
    heapUsed: a.heapUsed - b.heapUsed,
    arrayBuffers: a.arrayBuffers - b.arrayBuffers,
    external: a.external - b.external,
    total: a.total - b.total,
  };
}

function shapeOf(state: ModelState): ModelShape {
  let history = 0;
  for (const u of state.users.values()) history += u.items.size;
  let counters = 0;
  let neighbors = 0;
  for (const n of state.similarity.nodes.values()) {
    counters += n.counters.size;
    neighbors += n.neighborScores.length;
  }
  let transitions = 0;
  for (const n of state.transitions.nodes.values()) transitions += n.next.size;
  const users = Math.max(1, state.users.size);
  const items = Math.max(1, state.similarity.nodes.size);
  const mean = (x: number, of: number): number => Math.round((x / of) * 100) / 100;
  return {
    historyItemsPerUser: mean(history, users),
    countersPerItem: mean(counters, items),
    neighborsPerItem: mean(neighbors, items),
    transitionsPerItem: mean(transitions, state.transitions.nodes.size || 1),
  };
}

/**
 * One model of the memory shape, measured after forced collections: the baseline is taken before its
 * history exists (so the ids the model keeps count as its own), the history is dropped before the
 * whole model is measured, and the model is measured again once its user map is cleared, which splits
 * the total into user state and item state.
 */
export function measureModel(clusters: number, usersPerCluster: number, config: Partial<ModelConfig> = {}): MemorySize {
  const before = heldAfterGc();
  let history = shapedHistory({
    seed: `memory-${clusters}`,
    usersPerCluster,
    clusters,
    partnersPerItem: MEMORY_SHAPE.counters,
    itemsPerUser: MEMORY_SHAPE.historyItems,
    idPrefix: `mem${clusters}-`,
  });
  let state: ModelState | null = new ModelState(
    resolveConfig({ historyLength: MEMORY_SHAPE.historyItems, neighbors: MEMORY_SHAPE.neighbors, ...config }),
  );
  let model: Recommender | null = new Recommender(state);
  for (const event of history) model.learnOne(event);
  history = [];
  // neighbour rows are recomputed lazily: bring every one up to date before measuring
  for (const itemId of state.similarity.nodes.keys()) state.similarity.freshRow(itemId);
  const held = minus(heldAfterGc(), before);
  const stats = model.stats();
  const shape = shapeOf(state);
  state.users.clear();
  const itemBytes = Math.max(0, heldAfterGc().total - before.total);
  model = null;
  state = null;
  const ratio = stats.approxBytes > 0 ? held.total / stats.approxBytes : 0;
  return {
    users: stats.users,
    items: stats.items,
    events: stats.eventsApplied,
    shape,
    held,
    userBytes: Math.max(0, held.total - itemBytes),
    itemBytes,
    approxBytes: stats.approxBytes,
    heldToApproxRatio: Math.round(ratio * 100) / 100,
    approxAgrees: Math.abs(ratio - 1) <= APPROX_TOLERANCE,
  };
}

/** A line through two points (x, y), evaluated at x. */
function line(x0: number, y0: number, x1: number, y1: number): { at: (x: number) => number; slope: number } {
  const slope = x1 === x0 ? 0 : (y1 - y0) / (x1 - x0);
  return { at: (x) => y0 + slope * (x - x0), slope };
}

/**
 * Two models of the memory shape of different sizes: bytes per user and per item of the larger one,
 * the estimate cross-checked on both, and the heap of 1M users and 50k items extrapolated from them.
 */
export function benchMemory(sizes: MemorySizes, config: Partial<ModelConfig> = {}): MemoryResult {
  const small = measureModel(sizes.clusters[0], sizes.usersPerCluster, config);
  const large = measureModel(sizes.clusters[1], sizes.usersPerCluster, config);
  const users = line(small.users, small.userBytes, large.users, large.userBytes);
  const items = line(small.items, small.itemBytes, large.items, large.itemBytes);
  const userBytes = Math.round(users.at(EXTRAPOLATION_TARGET.users));
  const itemBytes = Math.round(items.at(EXTRAPOLATION_TARGET.items));
  return {
    bytesPerUser: large.users > 0 ? Math.round(large.userBytes / large.users) : 0,
    bytesPerItem: large.items > 0 ? Math.round(large.itemBytes / large.items) : 0,
    users: large.users,
    items: large.items,
    events: large.events,
    heapBytes: large.held.total,
    approxBytes: large.approxBytes,
    heapToApproxRatio: large.heldToApproxRatio,
    approxAgrees: small.approxAgrees && large.approxAgrees,
    shape: large.shape,
    sizes: [small, large],
    extrapolated: {
      ...EXTRAPOLATION_TARGET,
      totalBytes: userBytes + itemBytes,
      userBytes,
      itemBytes,
      bytesPerUserSlope: Math.round(users.slope),
      bytesPerItemSlope: Math.round(items.slope),
    },
  };
}
