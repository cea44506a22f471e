import { SpaceSaving, type Counter, type SpaceSavingJson } from './space-saving.js';
import type { SimilarItem } from './types.js';

/** Per-item similarity state: ‖r_i‖², co-occurrence counters and the cached top-K neighbour row. */
export class ItemNode {
  norm2 = 0;
  neighborIds: string[] = [];
  neighborNodes: ItemNode[] = [];
  neighborScores: number[] = [];
  dirty = true;
  /** Counter updates since the row was last computed. */
  pending = 0;
  /** Scratch slot for candidate gathering: valid while `mark` equals the gatherer's stamp (no Map). */
  mark = 0;
  slot: unknown = null;
  constructor(readonly id: string, readonly counters: SpaceSaving) {}
}

/** A dirty row waits for counters/REFRESH_FRACTION updates before it is recomputed. */
const REFRESH_FRACTION = 2;

export interface SimilarityOptions {
  neighbors: number;
  maxCountersPerItem: number;
  shrinkage: number;
}

export interface ItemNodeJson {
  norm2: number;
  counters: SpaceSavingJson;
  row: { ids: string[]; scores: number[]; dirty: boolean; pending: number };
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
      node = new ItemNode(itemId, new SpaceSaving(this.options.maxCountersPerItem));
      this.nodes.set(itemId, node);
    }
    return node;
  }

  /** dot(i,j) += delta (both directions); `nInc` new co-occurring users. */
  addDot(a: ItemNode, aId: string, b: ItemNode, bId: string, delta: number, nInc: number): void {
    const ab = a.counters.add(bId, delta, nInc);
    if (ab.peer === undefined) ab.peer = b;
    const ba = b.counters.add(aId, delta, nInc);
    if (ba.peer === undefined) ba.peer = a;
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

  /**
   * The cached top-K row. A dirty row is recomputed from its counters once it has collected
   * counters/REFRESH_FRACTION updates (at least one), so the O(counters) refresh is amortised to
   * O(REFRESH_FRACTION) per update; a never-computed row is computed at once.
   */
  row(itemId: string): ItemNode | undefined {
    const node = this.nodes.get(itemId);
    if (node === undefined) return undefined;
    if (node.dirty && (node.pending * REFRESH_FRACTION >= node.counters.size || node.neighborIds.length === 0)) {
      this.refresh(node);
    }
    return node;
  }

  private refresh(node: ItemNode): void {
    const limit = this.options.neighbors;
    // bounded min-heap of the best `limit` (score, id); heap[0] is the worst kept
    const heapIds: string[] = [];
    const heapNodes: ItemNode[] = [];
    const heapScores: number[] = [];
    const worse = (a: number, b: number): boolean =>
      heapScores[a] < heapScores[b] || (heapScores[a] === heapScores[b] && heapIds[a] > heapIds[b]);
    const swap = (a: number, b: number): void => {
      const s = heapScores[a]; heapScores[a] = heapScores[b]; heapScores[b] = s;
      const i = heapIds[a]; heapIds[a] = heapIds[b]; heapIds[b] = i;
      const n = heapNodes[a]; heapNodes[a] = heapNodes[b]; heapNodes[b] = n;
    };
    const siftDown = (start: number): void => {
      let at = start;
      for (;;) {
        const l = 2 * at + 1;
        const r = l + 1;
        let m = at;
        if (l < heapIds.length && worse(l, m)) m = l;
        if (r < heapIds.length && worse(r, m)) m = r;
        if (m === at) return;
        swap(at, m);
        at = m;
      }
    };
    const norm2 = node.norm2;
    const shrink = this.options.shrinkage;
    for (const [otherId, counter] of node.counters.entries) {
      let other = counter.peer as ItemNode | undefined;
      if (other === undefined) {
        other = this.nodes.get(otherId);
        if (other === undefined) continue;
        counter.peer = other;
      }
      // inlined score(): this loop is the hottest in the model
      const dot = counter.count - counter.err;
      const denom = norm2 * other.norm2;
      if (dot <= 0 || denom <= 0) continue;
      let score = dot / Math.sqrt(denom);
      if (shrink > 0) score *= counter.n / (counter.n + shrink);
      if (heapIds.length < limit) {
        heapIds.push(otherId);
        heapNodes.push(other);
        heapScores.push(score);
        let at = heapIds.length - 1;
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (!worse(at, parent)) break;
          swap(at, parent);
          at = parent;
        }
      } else if (score > heapScores[0] || (score === heapScores[0] && otherId < heapIds[0])) {
        heapIds[0] = otherId;
        heapNodes[0] = other;
        heapScores[0] = score;
        siftDown(0);
      }
    }
    const order = heapIds.map((_, k) => k).sort((a, b) => heapScores[b] - heapScores[a] || (heapIds[a] < heapIds[b] ? -1 : 1));
    node.neighborIds = order.map((k) => heapIds[k]);
    node.neighborNodes = order.map((k) => heapNodes[k]);
    node.neighborScores = order.map((k) => heapScores[k]);
    node.dirty = false;
    node.pending = 0;
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
      out.push([id, { norm2: n.norm2, counters: n.counters.toJSON(), row: { ids: [...n.neighborIds], scores: [...n.neighborScores], dirty: n.dirty, pending: n.pending } }]);
    }
    return out;
  }

  static fromJSON(options: SimilarityOptions, json: Array<[string, ItemNodeJson]>): ItemSimilarity {
    const sim = new ItemSimilarity(options);
    for (const [id, n] of json) {
      const node = new ItemNode(id, SpaceSaving.fromJSON(options.maxCountersPerItem, n.counters));
      node.norm2 = n.norm2;
      node.neighborIds = [...n.row.ids];
      node.neighborScores = [...n.row.scores];
      node.dirty = n.row.dirty;
      node.pending = n.row.pending;
      sim.nodes.set(id, node);
    }
    for (const node of sim.nodes.values()) node.neighborNodes = node.neighborIds.map((id) => sim.node(id));
    return sim;
  }
}
