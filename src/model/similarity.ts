import { SpaceSaving, type Counter, type SpaceSavingJson } from './space-saving.js';
import type { SimilarItem } from './types.js';

/** Per-item similarity state: ‖r_i‖², co-occurrence counters and the cached top-K neighbour row. */
export class ItemNode {
  norm2 = 0;
  neighborIds: string[] = [];
  neighborScores: number[] = [];
  dirty = true;
  constructor(readonly counters: SpaceSaving) {}
}

export interface SimilarityOptions {
  neighbors: number;
  maxCountersPerItem: number;
  shrinkage: number;
}

export interface ItemNodeJson {
  norm2: number;
  counters: SpaceSavingJson;
  row: { ids: string[]; scores: number[]; dirty: boolean };
}

/**
 * Incremental item–item cosine over user–item weights r_ui:
 * sim(i,j) = dot(i,j) / (‖r_i‖ ‖r_j‖) · n_ij / (n_ij + shrinkage).
 * Callers report growth of r_ui (`addDot`, `addNorm`); rows are recomputed from the item's bounded
 * counters only when read dirty.
 */
export class ItemSimilarity {
  readonly nodes = new Map<string, ItemNode>();

  constructor(readonly options: SimilarityOptions) {}

  node(itemId: string): ItemNode {
    let node = this.nodes.get(itemId);
    if (node === undefined) {
      node = new ItemNode(new SpaceSaving(this.options.maxCountersPerItem));
      this.nodes.set(itemId, node);
    }
    return node;
  }

  /** dot(i,j) += delta (both directions); `nInc` new co-occurring users. */
  addDot(a: ItemNode, aId: string, b: ItemNode, bId: string, delta: number, nInc: number): void {
    a.counters.add(bId, delta, nInc);
    b.counters.add(aId, delta, nInc);
    a.dirty = true;
    b.dirty = true;
  }

  /** ‖r_i‖² += delta. */
  addNorm(node: ItemNode, delta: number): void {
    node.norm2 += delta;
    node.dirty = true;
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
    for (const [otherId, counter] of node.counters.entries) {
      const other = this.nodes.get(otherId);
      if (other === undefined) continue;
      const s = this.score(node, counter, other);
      if (s > 0) out.push({ itemId: otherId, score: s });
    }
    out.sort((x, y) => y.score - x.score || (x.itemId < y.itemId ? -1 : x.itemId > y.itemId ? 1 : 0));
    if (out.length > limit) out.length = limit;
    return out;
  }

  /** The cached top-K row, refreshed from the counters when it is dirty. */
  row(itemId: string): ItemNode | undefined {
    const node = this.nodes.get(itemId);
    if (node === undefined) return undefined;
    if (node.dirty) {
      const fresh = this.computeRow(itemId, this.options.neighbors);
      node.neighborIds = fresh.map((x) => x.itemId);
      node.neighborScores = fresh.map((x) => x.score);
      node.dirty = false;
    }
    return node;
  }

  /** Squared quantities take the squared renormalisation factor. */
  scale(factorSquared: number): void {
    for (const node of this.nodes.values()) {
      node.norm2 *= factorSquared;
      node.counters.scale(factorSquared);
    }
  }

  toJSON(): Array<[string, ItemNodeJson]> {
    const out: Array<[string, ItemNodeJson]> = [];
    for (const [id, n] of this.nodes) {
      out.push([id, { norm2: n.norm2, counters: n.counters.toJSON(), row: { ids: [...n.neighborIds], scores: [...n.neighborScores], dirty: n.dirty } }]);
    }
    return out;
  }

  static fromJSON(options: SimilarityOptions, json: Array<[string, ItemNodeJson]>): ItemSimilarity {
    const sim = new ItemSimilarity(options);
    for (const [id, n] of json) {
      const node = new ItemNode(SpaceSaving.fromJSON(options.maxCountersPerItem, n.counters));
      node.norm2 = n.norm2;
      node.neighborIds = [...n.row.ids];
      node.neighborScores = [...n.row.scores];
      node.dirty = n.row.dirty;
      sim.nodes.set(id, node);
    }
    return sim;
  }
}
