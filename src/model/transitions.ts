import { SelectionBuffer } from './quickselect.js';
import { SpaceSaving, type SpaceSavingJson } from './space-saving.js';

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
 */
export class Transitions {
  readonly nodes = new Map<string, { total: number; next: SpaceSaving }>();
  /** Where the counters of every item find their eviction cut. */
  private readonly selection = new SelectionBuffer();

  /** `minUsers`: distinct users a transition needs before it is `supported` (SpaceSaving). */
  constructor(
    readonly capacity: number,
    readonly minUsers = 1,
  ) {}

  /**
   * Adds `weight` to from → to on behalf of `user` (userHash, −1 = unknown); `nInc` to the counter's n.
   * `toIndex`, the similarity's index of `to` when known, lets forget() find the counter without a lookup.
   */
  add(from: string, to: string, weight: number, nInc = 1, user = -1, toIndex = -1): void {
    let node = this.nodes.get(from);
    if (node === undefined) {
      node = { total: 0, next: new SpaceSaving(this.capacity, null, this.minUsers, this.selection) };
      this.nodes.set(from, node);
    }
    node.total += weight;
    node.next.add(to, weight, nInc, toIndex, user);
  }

  /**
   * Forgets items (ItemSimilarity.forget's `marks` by index; `indexOf` names the index of a key whose
   * counter has none yet, −1 when gone): their own lists and every count of them following another
   * item. Totals keep the forgotten share, so the shares of the remaining items do not change.
   */
  forget(
    ids: readonly string[],
    marks: Uint8Array,
    indexOf: (itemId: string) => number,
    onChanged: (from: string) => void = () => undefined,
  ): void {
    for (const id of ids) this.nodes.delete(id);
    for (const [from, node] of this.nodes) if (node.next.dropPeers(marks, indexOf) > 0) onChanged(from);
  }

  /** Takes back `user`'s from → to (erasure); a source left with no counter disappears. */
  remove(from: string, to: string, weight: number, user: number): void {
    const node = this.nodes.get(from);
    if (node === undefined) return;
    const before = node.total;
    node.total -= weight;
    if (node.total <= before * 1e-12) node.total = 0;
    node.next.subtract(to, weight, 1, user);
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

  /** One source item's followed-by counts, as `nodeJSON` gives them; null when it has none. */
  nodeJSON(from: string): [number, SpaceSavingJson] | null {
    const node = this.nodes.get(from);
    return node === undefined ? null : [node.total, node.next.toJSON()];
  }

  /** Replaces a source item's followed-by counts (values multiplied by `factor`, a landmark change). */
  load(from: string, total: number, next: SpaceSavingJson, factor = 1): void {
    const counters = SpaceSaving.fromJSON(this.capacity, next, undefined, this.minUsers, this.selection);
    if (factor !== 1) counters.scale(factor);
    this.nodes.set(from, { total: total * factor, next: counters });
  }

  toJSON(): TransitionsJson {
    const nodes: TransitionsJson['nodes'] = [];
    for (const [id, n] of this.nodes) nodes.push([id, n.total, n.next.toJSON()]);
    return { capacity: this.capacity, minUsers: this.minUsers, nodes };
  }

  static fromJSON(json: TransitionsJson): Transitions {
    const t = new Transitions(json.capacity, json.minUsers);
    for (const [id, total, next] of json.nodes) t.load(id, total, next);
    return t;
  }
}
