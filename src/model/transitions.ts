import { SelectionBuffer } from './quickselect.js';
import type { ItemSimilarity } from './similarity.js';
import { SpaceSaving, type SpaceSavingColumns, type SpaceSavingJson, type StoredCounters } from './space-saving.js';

export interface TransitionsJson {
  capacity: number;
  minUsers: number;
  nodes: Array<[string, number, SpaceSavingJson]>;
}

/**
 * Sequential "followed-by" counts: how often item b came after item a within one user's session
 * (forward-decayed units, Space-Saving bounded per source item; a user's weight on a pair is their latest
 * transition, not a count of repeats, see contributions.ts). The share count(a→b)/total(a) is an
 * estimate of P(next = b | current = a), a strong next-item signal on real logs.
 *
 * Counters are keyed by the similarity's node index of b (every followed item has a node, a peer one if
 * need be), which names them: no key string per counter, and forgetting b drops them by its mark.
 */
export class Transitions {
  readonly nodes = new Map<string, { total: number; next: SpaceSaving }>();
  /** Where the counters of every item find their eviction cut. */
  private readonly selection = new SelectionBuffer();

  /** `minUsers`: distinct users a transition needs before it is `supported` (SpaceSaving); `similarity` numbers and names the items. */
  constructor(
    readonly capacity: number,
    readonly minUsers: number,
    private readonly similarity: ItemSimilarity,
  ) {}

  /**
   * Adds `weight` to from → the item of node index `to` on behalf of `user` (userHash, −1 = unknown);
   * `nInc` to the counter's n.
   */
  add(from: string, to: number, weight: number, nInc = 1, user = -1): void {
    let node = this.nodes.get(from);
    if (node === undefined) {
      node = {
        total: 0,
        next: new SpaceSaving(this.capacity, this.similarity.peerName, this.minUsers, this.selection, this.similarity.columnPool),
      };
      this.nodes.set(from, node);
    }
    node.total += weight;
    node.next.addPeer(to, weight, nInc, user);
  }

  /**
   * Forgets items (ItemSimilarity.forget's `marks` by index): their own lists and every count of them
   * following another item. Totals keep the forgotten share, so the shares of the remaining items do
   * not change.
   */
  forget(ids: readonly string[], marks: Uint8Array, onChanged: (from: string) => void = () => undefined): void {
    for (const id of ids) this.nodes.delete(id);
    for (const [from, node] of this.nodes) if (node.next.dropPeers(marks) > 0) onChanged(from);
  }

  /** Takes back `user`'s from → to (erasure); a source left with no counter disappears. */
  remove(from: string, to: string, weight: number, user: number): void {
    const node = this.nodes.get(from);
    if (node === undefined) return;
    const before = node.total;
    node.total -= weight;
    if (node.total <= before * 1e-12) node.total = 0;
    // an item with no node has no counter: forgetting it dropped them
    const target = this.similarity.nodes.get(to);
    if (target !== undefined) node.next.subtractAt(node.next.slotOfPeer(target.index), weight, 1, user);
    if (node.next.size === 0) this.nodes.delete(from);
  }

  /**
   * Calls `visit(to, share)` for every followed-by item of `from` with enough distinct users behind it,
   * share = lower-bound count / total.
   */
  forEachNext(from: string, visit: (to: string, share: number) => void): void {
    const node = this.nodes.get(from);
    if (node === undefined || node.total <= 0) return;
    const next = node.next;
    for (let s = 0; s < next.size; s++) {
      if (!next.supported(s)) continue;
      const share = (next.countAt(s) - next.errAt(s)) / node.total;
      if (share > 0) visit(next.keyAt(s), share);
    }
  }

  scale(factor: number): void {
    for (const node of this.nodes.values()) {
      node.total *= factor;
      node.next.scale(factor);
    }
  }

  /** One source item's followed-by counts in columns (the item-state record's form); null when it has none. */
  nodeRecord(from: string): [number, SpaceSavingColumns] | null {
    const node = this.nodes.get(from);
    return node === undefined ? null : [node.total, node.next.toColumns()];
  }

  /**
   * Replaces a source item's followed-by counts (values multiplied by `factor`, a landmark change); a
   * followed item with no node gets a peer one.
   */
  load(from: string, total: number, next: StoredCounters, factor = 1): void {
    const similarity = this.similarity;
    const peers = { peerOf: (key: string) => similarity.node(key).index, names: similarity.peerName };
    const counters = SpaceSaving.fromStored(this.capacity, next, peers, this.minUsers, this.selection, similarity.columnPool);
    if (factor !== 1) counters.scale(factor);
    this.nodes.set(from, { total: total * factor, next: counters });
  }

  toJSON(): TransitionsJson {
    const nodes: TransitionsJson['nodes'] = [];
    for (const [id, n] of this.nodes) nodes.push([id, n.total, n.next.toJSON()]);
    return { capacity: this.capacity, minUsers: this.minUsers, nodes };
  }

  static fromJSON(json: TransitionsJson, similarity: ItemSimilarity): Transitions {
    const t = new Transitions(json.capacity, json.minUsers, similarity);
    for (const [id, total, next] of json.nodes) t.load(id, total, next);
    return t;
  }
}
