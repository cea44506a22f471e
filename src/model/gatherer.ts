import { blankCandidate, type Candidate, type CandidateSources, type CandidateTuning, MAX_SUPPORTERS } from './candidates.js';
import type { NeighborRow } from './item-view.js';
import { kthLargest, SelectionBuffer } from './quickselect.js';
import type { UserHistory } from './user-history.js';

/** The candidates of a gatherer's latest gathering, left in its scratch arrays (see gather). */
export interface GatheredPool {
  readonly size: number;
}

/** Marks are Int32: the stamp starts again before it would overflow. */
const MAX_STAMP = 0x7fffffff;

/**
 * Gathers a user's kNN and followed-by candidates into scratch arrays it owns. Each model holds one,
 * created once: the arrays are reused by every gathering of that model (no allocation per event) and
 * never shared with another model in the process.
 *
 * Per-item accumulators are indexed by ItemNode.index and valid where `marks` holds the gathering's
 * stamp: typed arrays instead of a Map or per-candidate objects, since this runs on every event and
 * reads hundreds of neighbours.
 */
export class CandidateGatherer {
  private stamp = 0;
  /** The latest gathering: the only pool whose content the arrays hold. */
  private current: GatheredPool | null = null;
  private marks = new Int32Array(1024);
  private knnSums = new Float64Array(1024);
  private followSums = new Float64Array(1024);
  private supports = new Int32Array(1024);
  private bestPositions = new Int32Array(1024);
  private supporterCounts = new Int32Array(1024);
  /** MAX_SUPPORTERS slots per item index. */
  private readonly supporterIds: string[] = [];
  /** Items touched by the current gathering, in first-touch order. */
  private readonly touchedNodes: NeighborRow[] = [];
  /** Affinity by touched position of the latest gathering. */
  private affinities = new Float64Array(1024);
  private powersBase = NaN;
  private powers: number[] = [];
  /** Candidate objects of top's lists: few and reused, so they stay in cache. */
  private readonly listCandidates: Candidate[] = [];
  private selected = new Int32Array(1024);
  private readonly selection = new SelectionBuffer(1024);

  /** True while `pool` is still the content of the scratch arrays. */
  isCurrent(pool: GatheredPool): boolean {
    return pool === this.current;
  }

  /**
   * Gathers kNN and followed-by candidates for a user into the scratch arrays, without building
   * candidate objects (`top` builds only the few it returns); seen items are included (filters come
   * later). Valid until this gatherer's next gathering, see isCurrent.
   */
  gather(user: UserHistory, sources: CandidateSources, tuning: CandidateTuning): GatheredPool {
    const stamp = this.nextStamp();
    this.ensureCapacity(sources.items.rows.length);
    // fields copied to locals: hot loops then skip the loads through `this`
    const mark = this.marks;
    const knn = this.knnSums;
    const follow = this.followSums;
    const support = this.supports;
    const best = this.bestPositions;
    const supCount = this.supporterCounts;
    const supIds = this.supporterIds;
    const nodesTouched = this.touchedNodes;
    const items = sources.items;
    const byIndex = items.rows;
    let touched = 0;
    // the history is least recent first: its last `count` slots, newest first
    const history = user.items;
    const total = history.size;
    const count = Math.min(total, tuning.historyItems);
    const decayPowers = this.positionPowers(tuning.positionDecay, count);
    for (let pos = 0; pos < count; pos++) {
      const slot = total - 1 - pos;
      const historyId = history.idAt(slot);
      const node = items.row(historyId);
      if (node === undefined) continue;
      let strength =
        tuning.weightExponent === 0
          ? decayPowers[pos]
          : decayPowers[pos] * Math.max(history.weightAt(slot) * sources.weightFactor, 0) ** tuning.weightExponent;
      if (!(strength > 0)) continue;
      const indices = node.neighborIndices;
      const scores = node.neighborScores;
      const n = Math.min(scores.length, tuning.neighborsPerItem);
      if (tuning.normalizeRows) {
        // each history item casts one vote spread over its neighbours: items with many strong
        // neighbours (hubs) no longer drown the others
        let sum = 0;
        for (let k = 0; k < n; k++) sum += scores[k];
        if (sum > 0) strength /= sum;
      }
      for (let k = 0; k < n; k++) {
        const i = indices[k];
        const add = strength * scores[k];
        if (mark[i] !== stamp) {
          mark[i] = stamp;
          knn[i] = add;
          follow[i] = 0;
          support[i] = 1;
          best[i] = pos;
          supCount[i] = 1;
          supIds[i * MAX_SUPPORTERS] = historyId;
          nodesTouched[touched++] = byIndex[i];
        } else {
          knn[i] += add;
          support[i]++;
          const s = supCount[i];
          if (s < MAX_SUPPORTERS) {
            supIds[i * MAX_SUPPORTERS + s] = historyId;
            supCount[i] = s + 1;
          }
        }
      }
    }
    const inSession = user.sessionSize;
    for (let k = 0; k < tuning.followWeights.length && k < inSession; k++) {
      const from = user.sessionItemAt(inSession - 1 - k);
      const row = items.follows(from);
      if (row === undefined) continue;
      const weight = tuning.followWeights[k];
      const shares = row.shares;
      const peers = row.indices;
      for (let slot = 0; slot < shares.length; slot++) {
        const share = shares[slot];
        const peer = peers[slot];
        const other = byIndex[peer];
        const i = other.index;
        if (mark[i] !== stamp) {
          mark[i] = stamp;
          knn[i] = 0;
          follow[i] = weight * share;
          support[i] = 0;
          best[i] = -1;
          supCount[i] = 1;
          supIds[i * MAX_SUPPORTERS] = from;
          nodesTouched[touched++] = other;
        } else {
          follow[i] += weight * share;
          const s = supCount[i];
          if (s < MAX_SUPPORTERS && !this.hasSupporter(i, s, from)) {
            supIds[i * MAX_SUPPORTERS + s] = from;
            supCount[i] = s + 1;
          }
        }
      }
    }
    if (this.affinities.length < touched) this.affinities = new Float64Array(touched * 2);
    const affinities = this.affinities;
    const exponent = tuning.popularityExponent;
    const transitionWeight = tuning.transitionWeight;
    for (let t = 0; t < touched; t++) {
      const node = nodesTouched[t];
      const i = node.index;
      let affinity = knn[i] + transitionWeight * follow[i];
      if (exponent !== 0) affinity *= (1 + items.popularity(node.id)) ** exponent;
      affinities[t] = affinity;
    }
    const pool: GatheredPool = { size: touched };
    this.current = pool;
    return pool;
  }

  /** Every candidate of a gathering as its own new object (inspection; the model reads `top`). */
  all(pool: GatheredPool): Candidate[] {
    this.assertCurrent(pool);
    const out: Candidate[] = [];
    for (let t = 0; t < pool.size; t++) out.push(this.fill(blankCandidate(), this.touchedNodes[t], this.affinities[t]));
    return out;
  }

  /**
   * The `size` best candidates of the latest gathering passing `keep`, by affinity then id (same
   * result as topCandidates(all(pool))), building candidate objects only for the returned items.
   * Throws if another gathering has run since. The returned objects are reused by the next call:
   * read them before calling again.
   */
  top(pool: GatheredPool, size: number, keep: (itemId: string) => boolean): Candidate[] {
    this.assertCurrent(pool);
    const n = pool.size;
    const nodes = this.touchedNodes;
    const aff = this.affinities;
    if (this.selected.length < n) this.selected = new Int32Array(n * 2);
    const sel = this.selected;
    let m = -1;
    if (n > size * 3) {
      // filters cost lookups: try the best 3·size by affinity first, fall back to all if too few pass
      const view = this.selection.view(n);
      view.set(aff.subarray(0, n));
      const threshold = kthLargest(view, size * 3);
      m = 0;
      for (let t = 0; t < n; t++) if (aff[t] >= threshold && keep(nodes[t].id)) sel[m++] = t;
      if (m < size) m = -1;
    }
    if (m === -1) {
      m = 0;
      for (let t = 0; t < n; t++) if (keep(nodes[t].id)) sel[m++] = t;
    }
    if (m > size * 2) {
      const view = this.selection.view(m);
      for (let k = 0; k < m; k++) view[k] = aff[sel[k]];
      const threshold = kthLargest(view, size);
      let kept = 0;
      for (let k = 0; k < m; k++) if (aff[sel[k]] >= threshold) sel[kept++] = sel[k];
      m = kept;
    }
    const out: Candidate[] = [];
    const reused = this.listCandidates;
    while (reused.length < m) reused.push(blankCandidate());
    for (let k = 0; k < m; k++) out.push(this.fill(reused[k], nodes[sel[k]], aff[sel[k]]));
    out.sort((a, b) => b.affinity - a.affinity || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
    while (out.length > size) out.pop();
    return out;
  }

  private assertCurrent(pool: GatheredPool): void {
    if (!this.isCurrent(pool)) throw new Error('the gathered pool was replaced by a later gathering');
  }

  private nextStamp(): number {
    if (this.stamp === MAX_STAMP) {
      this.marks.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  private ensureCapacity(items: number): void {
    const supporterIds = this.supporterIds;
    // filled densely: writes at scattered indices would turn a growing array into a slow sparse one
    while (supporterIds.length < this.marks.length * MAX_SUPPORTERS) supporterIds.push('');
    if (this.marks.length >= items) return;
    const size = Math.max(items, this.marks.length * 2);
    const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.marks = grow(this.marks, (n) => new Int32Array(n));
    this.knnSums = grow(this.knnSums, (n) => new Float64Array(n));
    this.followSums = grow(this.followSums, (n) => new Float64Array(n));
    this.supports = grow(this.supports, (n) => new Int32Array(n));
    this.bestPositions = grow(this.bestPositions, (n) => new Int32Array(n));
    this.supporterCounts = grow(this.supporterCounts, (n) => new Int32Array(n));
    while (supporterIds.length < size * MAX_SUPPORTERS) supporterIds.push('');
  }

  /** positionDecay^p for p < count, the same values Math.pow gives, computed once per base. */
  private positionPowers(base: number, count: number): number[] {
    if (base !== this.powersBase) {
      this.powersBase = base;
      this.powers = [];
    }
    const powers = this.powers;
    for (let p = powers.length; p < count; p++) powers.push(base ** p);
    return powers;
  }

  private hasSupporter(i: number, count: number, id: string): boolean {
    for (let k = 0; k < count; k++) if (this.supporterIds[i * MAX_SUPPORTERS + k] === id) return true;
    return false;
  }

  /** `c` filled from the accumulators of `node`. */
  private fill(c: Candidate, node: NeighborRow, affinity: number): Candidate {
    const i = node.index;
    c.itemId = node.id;
    c.knn = this.knnSums[i];
    c.follow = this.followSums[i];
    c.affinity = affinity;
    c.support = this.supports[i];
    c.bestPosition = this.bestPositions[i];
    const supporters = c.supporters;
    const n = this.supporterCounts[i];
    // pop, not `length = n`: setting length is a slow runtime call and this runs per candidate
    while (supporters.length > n) supporters.pop();
    for (let k = 0; k < n; k++) supporters[k] = this.supporterIds[i * MAX_SUPPORTERS + k];
    c.trendingOnly = false;
    return c;
  }
}
