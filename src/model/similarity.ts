import { ColumnPool } from './counter-columns.js';
import { RecencyList } from './item-recency.js';
import { orderByScore } from './order-by-score.js';
import { type PackedDoubles, packedDoubles, reserve } from './packed-doubles.js';
import { kthLargest, SelectionBuffer } from './quickselect.js';
import { type Counter, SpaceSaving, type SpaceSavingColumns, type SpaceSavingJson, type StoredCounters } from './space-saving.js';
import type { SimilarItem } from './types.js';

/** Packed ‖r_i‖² of all items of one ItemSimilarity, by ItemNode.index. */
export type NormStore = PackedDoubles;

/** Per-item similarity state: ‖r_i‖², co-occurrence counters and the cached top-K neighbour row. */
export class ItemNode {
  /** Where ‖r_i‖² lives: the similarity's packed array, so row refreshes read norms without the nodes. */
  normStore: NormStore = packedDoubles(1);
  normAt = 0;
  /** The neighbours' indices (the first neighborScores.length entries are valid): byIndex names their nodes. */
  neighborIndices = new Int32Array(0);
  neighborScores: number[] = [];
  dirty = true;
  /** False until the row is first computed (an empty row may be computed: no pair has the support). */
  computed = false;
  /** Counter updates since the row was last computed. */
  pending = 0;
  /**
   * Dense number of the item within its ItemSimilarity, for typed scratch arrays; a forgotten item's
   * number is reused, and the forgotten node keeps −1 (references to it are stale).
   */
  index = -1;
  /** Latest event time of an interaction with the item. */
  lastTime = 0;
  /**
   * True when this state owns the item (interactions reach it here); false for an item known only as
   * a peer of owned items, whose norm comes from its owner's published row.
   */
  owned = false;
  /** Links of the similarity's recency list (items by last interaction, see RecencyList). */
  older: ItemNode | null = null;
  newer: ItemNode | null = null;
  constructor(
    readonly id: string,
    public counters: SpaceSaving,
  ) {}

  get norm2(): number {
    return this.normStore.values[this.normAt];
  }

  set norm2(value: number) {
    this.normStore.values[this.normAt] = value;
  }
}

/** A dirty row waits for counters/REFRESH_FRACTION updates before it is recomputed. */
const REFRESH_FRACTION = 2;

export interface SimilarityOptions {
  neighbors: number;
  maxCountersPerItem: number;
  shrinkage: number;
  /** Pairs with fewer distinct users behind them are left out of neighbour rows. */
  minSupport: number;
}

/** An item's node as a snapshot or a record holds it. */
export interface StoredItemNode {
  norm2: number;
  lastTime: number;
  counters: StoredCounters;
  row: { ids: string[]; scores: number[]; dirty: boolean; pending: number; computed: boolean };
}

/** The snapshot's form. */
export interface ItemNodeJson extends StoredItemNode {
  counters: SpaceSavingJson;
}

/** The item-state record's form: counters in columns. */
export interface ItemNodeRecord extends StoredItemNode {
  counters: SpaceSavingColumns;
}

/**
 * Incremental item–item cosine over user–item weights r_ui:
 * sim(i,j) = dot(i,j) / (‖r_i‖ ‖r_j‖) · n_ij / (n_ij + shrinkage).
 * Callers report growth of r_ui (`addDot`, `addNorm`); rows are recomputed from the item's bounded
 * counters only when read dirty.
 */
export class ItemSimilarity {
  readonly nodes = new Map<string, ItemNode>();
  /** nodes by ItemNode.index (the counters' `peers` hold these indices). */
  readonly byIndex: ItemNode[] = [];
  readonly normStore: NormStore = packedDoubles(64);
  /** Items by last interaction, least recent first: who goes when the item cap is reached. */
  readonly recency = new RecencyList<ItemNode>();
  /** Indices of forgotten items, reused before byIndex grows. */
  private readonly freeIndices: number[] = [];
  /** Where row refreshes find their cut, and the counters of every item their eviction cut. */
  private readonly selection = new SelectionBuffer(512);
  /** Where counter sets (these and the followed-by ones of Transitions) take their columns and leave outgrown ones. */
  readonly columnPool = new ColumnPool();
  /** Scratch of row refreshes (grown on demand): scores and peers of the supported counters, their order. */
  private rowScores = new Float64Array(512);
  private rowPeers = new Int32Array(512);
  private rowOrder = new Int32Array(512);
  /** The id of the peer at a position of the row's scores (ties of its order). */
  private readonly rowPeerId = (k: number): string => this.byIndex[this.rowPeers[k]].id;
  /** Names a counter's peer: counters keep no key of their own (space-saving.ts). */
  readonly peerName = (peer: number): string => this.byIndex[peer].id;
  /** Stands in byIndex for a freed index until a new item takes it; forgotten nodes share its empty counters. */
  private readonly freed = new ItemNode('', new SpaceSaving(1, this.peerName));
  /** Where a forgotten node's norm goes: it no longer owns a slot of the packed store. */
  private readonly detachedNorms: NormStore = packedDoubles(1);

  constructor(readonly options: SimilarityOptions) {}

  /** An empty set of co-occurrence counters of an item, keyed by peer. */
  private counters(): SpaceSaving {
    return new SpaceSaving(this.options.maxCountersPerItem, this.peerName, this.options.minSupport, this.selection, this.columnPool);
  }

  node(itemId: string): ItemNode {
    let node = this.nodes.get(itemId);
    if (node === undefined) {
      node = new ItemNode(itemId, this.counters());
      this.attach(node);
    }
    return node;
  }

  /** Records an interaction at `time`: the item becomes the most recently active. */
  touch(node: ItemNode, time: number): void {
    // A peer's norm is its owner's published one, which already holds increments this state is about
    // to apply itself (deltas replayed after a restore or a rebalance): an item owned here counts its own.
    if (!node.owned) node.norm2 = 0;
    node.owned = true;
    if (time > node.lastTime) node.lastTime = time;
    this.recency.touch(node);
  }

  /** Numbers a new node (reusing a forgotten item's index first) and moves its norm into the packed store. */
  private attach(node: ItemNode): void {
    const index = this.freeIndices.pop() ?? this.byIndex.length;
    const norm2 = node.norm2;
    const store = this.normStore;
    reserve(store, index + 1);
    node.index = index;
    node.normStore = store;
    node.normAt = index;
    node.norm2 = norm2;
    this.nodes.set(node.id, node);
    if (index === this.byIndex.length) this.byIndex.push(node);
    else this.byIndex[index] = node;
    this.recency.append(node);
  }

  /**
   * Forgets items: every counter and cached neighbour naming them leaves the remaining items, and their
   * indices are freed for reuse. Scans all items once, so callers forget in batches. Returns a mark
   * by (former) index of the forgotten items, for the other per-item state to drop its references.
   * `onChanged` hears of every remaining item whose counters or row lost something.
   */
  forget(gone: readonly ItemNode[], onChanged: (node: ItemNode) => void = () => undefined): Uint8Array {
    const marks = new Uint8Array(this.byIndex.length);
    for (const node of gone) {
      if (node.index < 0 || this.byIndex[node.index] !== node) throw new Error(`item ${node.id} is not held`);
      marks[node.index] = 1;
      this.nodes.delete(node.id);
      this.recency.remove(node);
    }
    for (const node of this.nodes.values()) {
      let changed = node.counters.dropPeers(marks) > 0;
      const indices = node.neighborIndices;
      const n = node.neighborScores.length;
      let kept = 0;
      for (let k = 0; k < n; k++) {
        if (marks[indices[k]] === 1) continue;
        indices[kept] = indices[k];
        node.neighborScores[kept] = node.neighborScores[k];
        kept++;
      }
      if (kept < n) {
        node.neighborScores.length = kept;
        changed = true;
      }
      if (changed) {
        node.dirty = true;
        // a row left empty is computed again at its next read, as a new one is
        if (kept === 0) node.computed = false;
        onChanged(node);
      }
    }
    for (const node of gone) {
      this.normStore.values[node.index] = 0;
      this.byIndex[node.index] = this.freed;
      this.freeIndices.push(node.index);
      this.release(node);
    }
    return marks;
  }

  /**
   * Empties a forgotten node: user histories may still point at it (they find the live node by id
   * again), so it must not keep its counters and row alive, nor write into a reused norm slot.
   */
  private release(node: ItemNode): void {
    node.index = -1;
    node.normStore = this.detachedNorms;
    node.normAt = 0;
    node.counters = this.freed.counters;
    node.neighborIndices = new Int32Array(0);
    node.neighborScores = [];
  }

  /** dot(i,j) += delta (both directions) on behalf of `user` (userHash); `nInc` new co-occurrences. */
  addDot(a: ItemNode, b: ItemNode, delta: number, nInc: number, user: number): void {
    a.counters.addPeer(b.index, delta, nInc, user);
    b.counters.addPeer(a.index, delta, nInc, user);
    a.dirty = true;
    b.dirty = true;
    a.pending++;
    b.pending++;
  }

  /** ‖r_i‖² += delta. */
  addNorm(node: ItemNode, delta: number): void {
    // ‖r_i‖ scales every score of row i alike, so it changes no order: the row need not be dirty
    node.norm2 += delta;
  }

  /** Cosine with shrinkage from one counter of `node` towards `other`. */
  score(node: ItemNode, counter: Counter, other: ItemNode): number {
    const dot = counter.count - counter.err;
    const denom = node.norm2 * other.norm2;
    if (dot <= 0 || denom <= 0) return 0;
    let s = dot / Math.sqrt(denom);
    const shrink = this.options.shrinkage;
    if (shrink > 0) s *= counter.n / (counter.n + shrink);
    return s;
  }

  /** Fresh top-`limit` neighbours from the item's counters, ties broken by id (order-independent). */
  computeRow(itemId: string, limit: number): SimilarItem[] {
    const node = this.nodes.get(itemId);
    if (node === undefined) return [];
    const out: SimilarItem[] = [];
    const counters = node.counters;
    for (let slot = 0; slot < counters.size; slot++) {
      if (!counters.supported(slot)) continue;
      const other = this.byIndex[counters.peerAt(slot)];
      const s = this.score(node, counters.counterAt(slot), other);
      if (s > 0) out.push({ itemId: other.id, score: s });
    }
    out.sort((x, y) => y.score - x.score || (x.itemId < y.itemId ? -1 : x.itemId > y.itemId ? 1 : 0));
    if (out.length > limit) out.length = limit;
    return out;
  }

  /**
   * The cached top-K row. A dirty row is recomputed from its counters once it has collected
   * counters/REFRESH_FRACTION updates (at least one), so the O(counters) refresh is amortised to
   * O(REFRESH_FRACTION) per update; a never-computed row is computed at once.
   */
  row(itemId: string): ItemNode | undefined {
    const node = this.nodes.get(itemId);
    return node === undefined ? undefined : this.rowOf(node);
  }

  /** row() for a node already at hand. */
  rowOf(node: ItemNode): ItemNode {
    if (node.dirty && (node.pending * REFRESH_FRACTION >= node.counters.size || !node.computed)) {
      this.refresh(node);
    }
    return node;
  }

  /** The row recomputed now if anything changed since (what an owner publishes: no amortised staleness). */
  freshRow(itemId: string): ItemNode | undefined {
    const node = this.nodes.get(itemId);
    if (node !== undefined && (node.dirty || !node.computed)) this.refresh(node);
    return node;
  }

  /** Makes the next read of the row recompute it (its counters lost something, e.g. by erasure). */
  invalidate(node: ItemNode): void {
    node.dirty = true;
    node.pending = Math.max(node.pending, node.counters.size, 1);
  }

  private refresh(node: ItemNode): void {
    const limit = this.options.neighbors;
    const counters = node.counters;
    const size = counters.size;
    if (this.rowScores.length < size) {
      this.rowScores = new Float64Array(size * 2);
      this.rowPeers = new Int32Array(size * 2);
    }
    const scores = this.rowScores;
    const peers = this.rowPeers;
    const norms = this.normStore.values;
    const norm2 = node.norm2;
    const shrink = this.options.shrinkage;
    let m = 0;
    for (let slot = 0; slot < size; slot++) {
      if (!counters.supported(slot)) continue;
      // inlined score(): this loop is the hottest in the model
      const dot = counters.countAt(slot) - counters.errAt(slot);
      const peer = counters.peerAt(slot);
      const denom = norm2 * norms[peer];
      if (dot <= 0 || denom <= 0) continue;
      let score = dot / Math.sqrt(denom);
      if (shrink > 0) {
        const n = counters.nAt(slot);
        score *= n / (n + shrink);
      }
      scores[m] = score;
      peers[m] = peer;
      m++;
    }
    // keep every score ≥ the limit-th best (ties included), then order only those
    let kept = m;
    if (m > limit) {
      const cut = this.selection.view(m);
      cut.set(scores.subarray(0, m));
      const threshold = limit > 0 ? kthLargest(cut, limit) : Infinity;
      kept = 0;
      for (let k = 0; k < m; k++) {
        if (scores[k] >= threshold) {
          scores[kept] = scores[k];
          peers[kept] = peers[k];
          kept++;
        }
      }
    }
    if (this.rowOrder.length < kept) this.rowOrder = new Int32Array(kept * 2);
    const order = this.rowOrder;
    for (let k = 0; k < kept; k++) order[k] = k;
    orderByScore(order, kept, scores, this.rowPeerId);
    const n = Math.min(kept, limit);
    if (node.neighborIndices.length < n) node.neighborIndices = new Int32Array(limit);
    const indices = node.neighborIndices;
    const out = node.neighborScores;
    for (let k = 0; k < n; k++) {
      indices[k] = peers[order[k]];
      out[k] = scores[order[k]];
    }
    if (out.length > n) out.length = n;
    node.dirty = false;
    node.computed = true;
    node.pending = 0;
  }

  /** Squared quantities take the squared renormalisation factor. */
  scale(factorSquared: number): void {
    for (const node of this.nodes.values()) {
      node.norm2 *= factorSquared;
      node.counters.scale(factorSquared);
    }
  }

  /**
   * The node of `id` as `json` holds it (values multiplied by `factorSquared`, the landmark change of
   * squared quantities), replacing any state held for it; it becomes the most recently active.
   * Peers its counters and row name get nodes of their own (known only as peers until loaded).
   */
  load(id: string, json: StoredItemNode, factorSquared = 1): ItemNode {
    const node = this.node(id);
    node.counters = SpaceSaving.fromStored(
      this.options.maxCountersPerItem,
      json.counters,
      { peerOf: (key) => this.node(key).index, names: this.peerName },
      this.options.minSupport,
      this.selection,
      this.columnPool,
    );
    if (factorSquared !== 1) node.counters.scale(factorSquared);
    node.norm2 = json.norm2 * factorSquared;
    node.lastTime = json.lastTime;
    node.owned = true;
    node.neighborScores = [...json.row.scores];
    node.neighborIndices = Int32Array.from(json.row.ids, (peer) => this.node(peer).index);
    node.dirty = json.row.dirty;
    node.pending = json.row.pending;
    node.computed = json.row.computed;
    this.recency.touch(node);
    return node;
  }

  /**
   * Makes an owned item a peer again: its own counters and row go (its new owner has them), its index
   * and latest norm stay, so the counters of other items naming it keep scoring it.
   */
  makePeer(node: ItemNode): void {
    node.owned = false;
    node.counters = this.counters();
    node.neighborIndices = new Int32Array(0);
    node.neighborScores = [];
    node.dirty = true;
    node.computed = false;
    node.pending = 0;
  }

  /** The ids of the node's neighbours, best first. */
  neighborIds(node: ItemNode): string[] {
    const out: string[] = [];
    for (let k = 0; k < node.neighborScores.length; k++) out.push(this.byIndex[node.neighborIndices[k]].id);
    return out;
  }

  nodeJSON(node: ItemNode): ItemNodeJson {
    return { ...this.stored(node), counters: node.counters.toJSON() };
  }

  nodeRecord(node: ItemNode): ItemNodeRecord {
    return { ...this.stored(node), counters: node.counters.toColumns() };
  }

  private stored(node: ItemNode): Omit<StoredItemNode, 'counters'> {
    return {
      norm2: node.norm2,
      lastTime: node.lastTime,
      row: {
        ids: this.neighborIds(node),
        scores: [...node.neighborScores],
        dirty: node.dirty,
        pending: node.pending,
        computed: node.computed,
      },
    };
  }

  /** Least recently active first, so fromJSON rebuilds the recency order. */
  toJSON(): Array<[string, ItemNodeJson]> {
    const out: Array<[string, ItemNodeJson]> = [];
    for (const n of this.recency.fromOldest()) out.push([n.id, this.nodeJSON(n)]);
    return out;
  }

  static fromJSON(options: SimilarityOptions, json: Array<[string, ItemNodeJson]>): ItemSimilarity {
    const sim = new ItemSimilarity(options);
    // every node first, in recency order, so peers named by counters do not come before them
    for (const [id] of json) sim.node(id);
    for (const [id, n] of json) sim.load(id, n);
    return sim;
  }
}
