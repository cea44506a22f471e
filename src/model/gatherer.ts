import { blankCandidate, type Candidate, type CandidateSources, type CandidateTuning, MAX_SUPPORTERS } from './candidates.js';
import type { NeighborRow } from './item-view.js';
import { orderByScore } from './order-by-score.js';
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
 * An item's accumulators sit at its touched position, found through `positions` where that holds the
 * gathering's stamp: typed arrays instead of a Map or per-candidate objects, since this runs on every
 * event and reads hundreds of neighbours.
 */
export class CandidateGatherer {
  private stamp = 0;
  /** The latest gathering: the only pool whose content the arrays hold. */
  private current: GatheredPool | null = null;
  /**
   * Per item index, two Int32 side by side: the stamp of the gathering that touched it and its
   * touched position. One cache line per neighbour read: the accumulators live by touched position,
   * densely, where separate arrays by item index cost a miss each for every neighbour.
   */
  private positions = new Int32Array(2048);
  /** By touched position (first-touch order) of the latest gathering: */
  private touchedIndices = new Int32Array(1024);
  private knnSums = new Float64Array(1024);
  private followSums = new Float64Array(1024);
  private supports = new Int32Array(1024);
  private bestPositions = new Int32Array(1024);
  private supporterCounts = new Int32Array(1024);
  /** 1 where the candidate is one of the user's own items (what `top`'s unseenOnly leaves out). */
  private seenFlags = new Uint8Array(1024);
  /** The user's items' row indices (−1: no row), newest first. */
  private historyIndices = new Int32Array(64);
  /** MAX_SUPPORTERS slots per touched position. */
  private readonly supporterIds: string[] = [];
  private affinities = new Float64Array(1024);
  /** The rows the latest gathering's indices name. */
  private rows: readonly NeighborRow[] = [];
  /** The id of the candidate at a position of the latest gathering (ties of a list's order). */
  private readonly candidateId = (t: number): string => this.rows[this.touchedIndices[t]].id;
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
    const items = sources.items;
    const byIndex = items.rows;
    this.ensureCapacity(byIndex.length);
    this.rows = byIndex;
    // fields copied to locals: hot loops then skip the loads through `this`
    const at = this.positions;
    const indices = this.touchedIndices;
    const knn = this.knnSums;
    const follow = this.followSums;
    const support = this.supports;
    const supCount = this.supporterCounts;
    const supIds = this.supporterIds;
    const seen = this.seenFlags;
    let touched = 0;
    // the history is least recent first: its last `count` slots, newest first
    const history = user.items;
    const total = history.size;
    if (this.historyIndices.length < total) this.historyIndices = new Int32Array(total * 2);
    const historyIndices = this.historyIndices;
    const count = Math.min(total, tuning.historyItems);
    const decayPowers = this.positionPowers(tuning.positionDecay, count);
    for (let pos = 0; pos < count; pos++) {
      const slot = total - 1 - pos;
      const historyId = history.idAt(slot);
      const node = items.row(historyId);
      historyIndices[pos] = node === undefined ? -1 : node.index;
      if (node === undefined) continue;
      let strength =
        tuning.weightExponent === 0
          ? decayPowers[pos]
          : decayPowers[pos] * Math.max(history.weightAt(slot) * sources.weightFactor, 0) ** tuning.weightExponent;
      if (!(strength > 0)) continue;
      const neighbors = node.neighborIndices;
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
        const i = neighbors[k];
        const add = strength * scores[k];
        if (at[2 * i] !== stamp) {
          this.firstTouch(i, touched++, stamp, add, 0, pos, historyId);
        } else {
          const t = at[2 * i + 1];
          knn[t] += add;
          support[t]++;
          const s = supCount[t];
          if (s < MAX_SUPPORTERS) {
            supIds[t * MAX_SUPPORTERS + s] = historyId;
            supCount[t] = s + 1;
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
        const i = peers[slot];
        if (at[2 * i] !== stamp) {
          this.firstTouch(i, touched++, stamp, 0, weight * share, -1, from);
        } else {
          const t = at[2 * i + 1];
          follow[t] += weight * share;
          const s = supCount[t];
          if (s < MAX_SUPPORTERS && !this.hasSupporter(t, s, from)) {
            supIds[t * MAX_SUPPORTERS + s] = from;
            supCount[t] = s + 1;
          }
        }
      }
    }
    // the user's own items among the candidates: older ones than the gathered `count` too
    for (let pos = count; pos < total; pos++) historyIndices[pos] = items.indexOf(history.idAt(total - 1 - pos));
    for (let pos = 0; pos < total; pos++) {
      const i = historyIndices[pos];
      if (i >= 0 && at[2 * i] === stamp) seen[at[2 * i + 1]] = 1;
    }
    const affinities = this.affinities;
    const exponent = tuning.popularityExponent;
    const transitionWeight = tuning.transitionWeight;
    for (let t = 0; t < touched; t++) {
      let affinity = knn[t] + transitionWeight * follow[t];
      if (exponent !== 0) affinity *= (1 + items.popularity(byIndex[indices[t]].id)) ** exponent;
      affinities[t] = affinity;
    }
    const pool: GatheredPool = { size: touched };
    this.current = pool;
    return pool;
  }

  /**
   * Whether a gathering for `user` could hold any of the item indices `wanted`: whether a row it would
   * read names one (a neighbour row of the user's gathered history items, within `neighborsPerItem`,
   * or a followed-by row of their session items). False means none of them can be a candidate, so
   * learning from the pool can be skipped without gathering it. Reads the rows `gather` reads, in its
   * order, even with nothing wanted: a view may bring a row up to date as it is read (ItemSide's
   * amortised refresh), and reading a row sooner or later changes which state a later read returns.
   */
  mayHold(user: UserHistory, sources: CandidateSources, tuning: CandidateTuning, wanted: readonly number[]): boolean {
    const items = sources.items;
    const history = user.items;
    const total = history.size;
    const count = Math.min(total, tuning.historyItems);
    for (let pos = 0; pos < count; pos++) {
      const node = items.row(history.idAt(total - 1 - pos));
      if (node === undefined) continue;
      const n = Math.min(node.neighborScores.length, tuning.neighborsPerItem);
      if (namesAny(node.neighborIndices, n, wanted)) return true;
    }
    const inSession = user.sessionSize;
    for (let k = 0; k < tuning.followWeights.length && k < inSession; k++) {
      const row = items.follows(user.sessionItemAt(inSession - 1 - k));
      if (row !== undefined && namesAny(row.indices, row.shares.length, wanted)) return true;
    }
    return false;
  }

  /**
   * Item index `i` becomes touched position `t` of gathering `stamp`, from a history item at position
   * `best` (kNN: support 1) or from a session item (`best` −1: support 0), named `supporter`.
   */
  private firstTouch(i: number, t: number, stamp: number, knn: number, follow: number, best: number, supporter: string): void {
    this.positions[2 * i] = stamp;
    this.positions[2 * i + 1] = t;
    this.touchedIndices[t] = i;
    this.seenFlags[t] = 0;
    this.knnSums[t] = knn;
    this.followSums[t] = follow;
    this.supports[t] = best >= 0 ? 1 : 0;
    this.bestPositions[t] = best;
    this.supporterCounts[t] = 1;
    this.supporterIds[t * MAX_SUPPORTERS] = supporter;
  }

  /** Every candidate of a gathering as its own new object (inspection; the model reads `top`). */
  all(pool: GatheredPool): Candidate[] {
    this.assertCurrent(pool);
    const out: Candidate[] = [];
    for (let t = 0; t < pool.size; t++) out.push(this.fill(blankCandidate(), t));
    return out;
  }

  /**
   * The `size` best candidates of the latest gathering passing `keep` (null: every one) and, with
   * `unseenOnly`, not in the gathered user's history, by affinity then id (same result as
   * topCandidates(all(pool)) with those filters), building candidate objects only for the returned
   * items. Throws if another gathering has run since. The returned objects are reused by the next
   * call: read them before calling again.
   */
  top(pool: GatheredPool, size: number, keep: ((itemId: string) => boolean) | null, unseenOnly = false): Candidate[] {
    this.assertCurrent(pool);
    const n = pool.size;
    const rows = this.rows;
    const indices = this.touchedIndices;
    const seen = this.seenFlags;
    const aff = this.affinities;
    // the seen flag first: it spares keep, and the load of a row's id, for the user's own items
    const passes = (t: number): boolean => !(unseenOnly && seen[t] === 1) && (keep === null || keep(rows[indices[t]].id));
    if (this.selected.length < n) this.selected = new Int32Array(n * 2);
    const sel = this.selected;
    let m = -1;
    if (keep !== null && n > size * 3) {
      // keep costs lookups: try the best 3·size by affinity first, fall back to all if too few pass
      const view = this.selection.view(n);
      view.set(aff.subarray(0, n));
      const threshold = kthLargest(view, size * 3);
      m = 0;
      for (let t = 0; t < n; t++) if (aff[t] >= threshold && passes(t)) sel[m++] = t;
      if (m < size) m = -1;
    }
    if (m === -1) {
      m = 0;
      for (let t = 0; t < n; t++) if (passes(t)) sel[m++] = t;
    }
    if (m > size) {
      // cut at the size-th best affinity (ties at the cut stay, for the id to order them)
      const view = this.selection.view(m);
      for (let k = 0; k < m; k++) view[k] = aff[sel[k]];
      const threshold = kthLargest(view, size);
      let kept = 0;
      for (let k = 0; k < m; k++) if (aff[sel[k]] >= threshold) sel[kept++] = sel[k];
      m = kept;
    }
    orderByScore(sel, m, aff, this.candidateId);
    const count = Math.min(m, size);
    const out: Candidate[] = [];
    const reused = this.listCandidates;
    while (reused.length < count) reused.push(blankCandidate());
    for (let k = 0; k < count; k++) out.push(this.fill(reused[k], sel[k]));
    return out;
  }

  private assertCurrent(pool: GatheredPool): void {
    if (!this.isCurrent(pool)) throw new Error('the gathered pool was replaced by a later gathering');
  }

  private nextStamp(): number {
    if (this.stamp === MAX_STAMP) {
      this.positions.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  /** Room for a gathering over `items` item indices (it touches each at most once). */
  private ensureCapacity(items: number): void {
    const supporterIds = this.supporterIds;
    // filled densely: writes at scattered indices would turn a growing array into a slow sparse one
    while (supporterIds.length < this.knnSums.length * MAX_SUPPORTERS) supporterIds.push('');
    if (this.knnSums.length >= items) return;
    const size = Math.max(items, this.knnSums.length * 2);
    const positions = new Int32Array(2 * size);
    positions.set(this.positions);
    this.positions = positions;
    // by touched position: only the latest gathering's content, which a larger gathering replaces
    this.touchedIndices = new Int32Array(size);
    this.knnSums = new Float64Array(size);
    this.followSums = new Float64Array(size);
    this.supports = new Int32Array(size);
    this.bestPositions = new Int32Array(size);
    this.supporterCounts = new Int32Array(size);
    this.seenFlags = new Uint8Array(size);
    this.affinities = new Float64Array(size);
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

  private hasSupporter(t: number, count: number, id: string): boolean {
    for (let k = 0; k < count; k++) if (this.supporterIds[t * MAX_SUPPORTERS + k] === id) return true;
    return false;
  }

  /** `c` filled from the accumulators at touched position `t`. */
  private fill(c: Candidate, t: number): Candidate {
    const index = this.touchedIndices[t];
    c.itemId = this.rows[index].id;
    c.index = index;
    c.knn = this.knnSums[t];
    c.follow = this.followSums[t];
    c.affinity = this.affinities[t];
    c.support = this.supports[t];
    c.bestPosition = this.bestPositions[t];
    c.seen = this.seenFlags[t] === 1;
    const supporters = c.supporters;
    const n = this.supporterCounts[t];
    // pop, not `length = n`: setting length is a slow runtime call and this runs per candidate
    while (supporters.length > n) supporters.pop();
    for (let k = 0; k < n; k++) supporters[k] = this.supporterIds[t * MAX_SUPPORTERS + k];
    c.trendingOnly = false;
    return c;
  }
}

/** Whether the first `n` of `indices` hold any of `wanted`. */
function namesAny(indices: ArrayLike<number>, n: number, wanted: readonly number[]): boolean {
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    for (let w = 0; w < wanted.length; w++) if (wanted[w] === i) return true;
  }
  return false;
}
