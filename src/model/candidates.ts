import type { ModelConfig } from './types.js';
import { kthLargest } from './quickselect.js';
import type { ItemNode, ItemSimilarity } from './similarity.js';
import type { Transitions } from './transitions.js';
import type { UserHistory, HistoryEntry } from './user-history.js';

/** One candidate item for a user, with the evidence that brought it in. */
export interface Candidate {
  itemId: string;
  /** Σ over supporting history items h of strength(h) · sim(h, item). */
  knn: number;
  /** Σ over recent session items a of followed-by share(a → item). */
  follow: number;
  /** Combined affinity used to pick the pool (and to rank when the ranker is off). */
  affinity: number;
  /** Distinct supporting history items. */
  support: number;
  /** History position (0 = most recent) of the most recent supporting item; -1 if none. */
  bestPosition: number;
  /** The most recent supporting items, at most MAX_SUPPORTERS. */
  supporters: string[];
  trendingOnly: boolean;
}

/** How candidates are gathered: the model configuration's `candidates` group (documented there). */
export type CandidateTuning = Omit<ModelConfig['candidates'], 'poolSize'>;

const MAX_SUPPORTERS = 3;

export interface CandidateSources {
  similarity: ItemSimilarity;
  transitions: Transitions;
  /** Stored-to-current factor of history weights at `now`. */
  weightFactor: number;
  /** Undecayed interaction count of an item. */
  popularity: (itemId: string) => number;
}

/** History entries most recent first. */
export function recentHistory(user: UserHistory, limit: number): Array<[string, HistoryEntry]> {
  const all = [...user.items];
  all.reverse();
  if (all.length > limit) all.length = limit;
  return all;
}

let gatherStamp = 0;
const historyIds: string[] = [];
const historyEntries: HistoryEntry[] = [];
let powersBase = NaN;
let powers: number[] = [];

/** positionDecay^p for p < count, the same values Math.pow gives, computed once per base. */
function positionPowers(base: number, count: number): number[] {
  if (base !== powersBase) {
    powersBase = base;
    powers = [];
  }
  for (let p = powers.length; p < count; p++) powers.push(Math.pow(base, p));
  return powers;
}

/**
 * Per-item accumulators of one gathering, indexed by ItemNode.index and valid where `marks` holds the
 * gathering's stamp: typed arrays instead of a Map or per-candidate objects, since this runs on every
 * event and reads hundreds of neighbours.
 */
let marks = new Int32Array(1024);
let knnSums = new Float64Array(1024);
let followSums = new Float64Array(1024);
let supports = new Int32Array(1024);
let bestPositions = new Int32Array(1024);
let supporterCounts = new Int32Array(1024);
/** MAX_SUPPORTERS slots per item index. */
const supporterIds: string[] = [];
/** Items touched by the current gathering, in first-touch order. */
const touchedNodes: ItemNode[] = [];

function ensureCapacity(items: number): void {
  // filled densely: writes at scattered indices would turn a growing array into a slow sparse one
  while (supporterIds.length < marks.length * MAX_SUPPORTERS) supporterIds.push('');
  if (marks.length >= items) return;
  const size = Math.max(items, marks.length * 2);
  const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
    const next = make(size);
    next.set(old);
    return next;
  };
  marks = grow(marks, (n) => new Int32Array(n));
  knnSums = grow(knnSums, (n) => new Float64Array(n));
  followSums = grow(followSums, (n) => new Float64Array(n));
  supports = grow(supports, (n) => new Int32Array(n));
  bestPositions = grow(bestPositions, (n) => new Int32Array(n));
  supporterCounts = grow(supporterCounts, (n) => new Int32Array(n));
  while (supporterIds.length < size * MAX_SUPPORTERS) supporterIds.push('');
}

/**
 * The node's candidate object, filled from the accumulators. Objects are reused across gatherings (no
 * allocation per event); safe because a pool lives only until the next gathering replaces it.
 */
function materialise(node: ItemNode, affinity: number): Candidate {
  let c = node.slot as Candidate | null;
  if (c === null) {
    c = blankCandidate();
    node.slot = c;
  }
  return fill(c, node, affinity);
}

function blankCandidate(): Candidate {
  return { itemId: '', knn: 0, follow: 0, affinity: 0, support: 0, bestPosition: -1, supporters: [], trendingOnly: false };
}

/** Candidate objects of topGathered's lists: few and reused, so they stay in cache. */
const listCandidates: Candidate[] = [];

function fill(c: Candidate, node: ItemNode, affinity: number): Candidate {
  const i = node.index;
  c.itemId = node.id;
  c.knn = knnSums[i];
  c.follow = followSums[i];
  c.affinity = affinity;
  c.support = supports[i];
  c.bestPosition = bestPositions[i];
  const supporters = c.supporters;
  const n = supporterCounts[i];
  // pop, not `length = n`: setting length is a slow runtime call and this runs per candidate
  while (supporters.length > n) supporters.pop();
  for (let k = 0; k < n; k++) supporters[k] = supporterIds[i * MAX_SUPPORTERS + k];
  c.trendingOnly = false;
  return c;
}

/** The candidates of the latest gathering, left in the scratch arrays (see gatherInto). */
export interface GatheredPool {
  /** The gathering's stamp: the pool is readable only while no later gathering has run. */
  readonly stamp: number;
  readonly size: number;
}

/** True while `pool` is still the content of the scratch arrays. */
export function isCurrent(pool: GatheredPool): boolean {
  return pool.stamp === gatherStamp;
}

/** Affinity by touched position of the latest gathering. */
let affinities = new Float64Array(1024);

/**
 * Gathers kNN and followed-by candidates for a user; seen items are included (filters come later).
 */
export function gatherCandidates(user: UserHistory, sources: CandidateSources, tuning: CandidateTuning): Candidate[] {
  const gathered = gatherInto(user, sources, tuning);
  const pool: Candidate[] = [];
  for (let t = 0; t < gathered.size; t++) pool.push(materialise(touchedNodes[t], affinities[t]));
  return pool;
}

/**
 * Gathers into the scratch arrays without building candidate objects: `topGathered` then builds only
 * the few it returns. Valid until the next gathering (any model in the process), see isCurrent.
 */
export function gatherInto(user: UserHistory, sources: CandidateSources, tuning: CandidateTuning): GatheredPool {
  const stamp = ++gatherStamp;
  ensureCapacity(sources.similarity.byIndex.length);
  // module-level bindings copied to locals: hot loops then skip the context loads and hole checks
  const mark = marks;
  const knn = knnSums;
  const follow = followSums;
  const support = supports;
  const best = bestPositions;
  const supCount = supporterCounts;
  const supIds = supporterIds;
  const nodesTouched = touchedNodes;
  const byIndex = sources.similarity.byIndex;
  let touched = 0;
  // the history Map is least recent first: copy its tail into reused scratch arrays, newest first
  let total = 0;
  for (const [id, entry] of user.items) {
    historyIds[total] = id;
    historyEntries[total] = entry;
    total++;
  }
  const count = Math.min(total, tuning.historyItems);
  const decayPowers = positionPowers(tuning.positionDecay, count);
  for (let pos = 0; pos < count; pos++) {
    const historyId = historyIds[total - 1 - pos];
    const entry = historyEntries[total - 1 - pos];
    let itemNode = entry.peer as ItemNode | undefined;
    if (itemNode === undefined || itemNode.index < 0) {
      itemNode = sources.similarity.nodes.get(historyId);
      if (itemNode === undefined) continue;
      entry.peer = itemNode;
    }
    const node = sources.similarity.rowOf(itemNode);
    let strength = tuning.weightExponent === 0
      ? decayPowers[pos]
      : decayPowers[pos] * Math.pow(Math.max(entry.weight * sources.weightFactor, 0), tuning.weightExponent);
    if (!(strength > 0)) continue;
    const indices = node.neighborIndices;
    const scores = node.neighborScores;
    const n = Math.min(node.neighborIds.length, tuning.neighborsPerItem);
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
  const session = user.session.items;
  for (let k = 0; k < tuning.followWeights.length && k < session.length; k++) {
    const from = session[session.length - 1 - k];
    const node = sources.transitions.nodes.get(from);
    if (node === undefined || !(node.total > 0)) continue;
    const weight = tuning.followWeights[k] / node.total;
    const next = node.next;
    for (let slot = 0; slot < next.size; slot++) {
      // too few distinct users behind the transition: it would retell one person's path (rows are filtered alike)
      if (!next.supported(slot)) continue;
      const share = next.counts[slot] - next.errs[slot];
      if (!(share > 0)) continue;
      let peer = next.peers[slot];
      if (peer < 0) {
        const found = sources.similarity.nodes.get(next.keys[slot]);
        if (found === undefined) continue;
        peer = found.index;
        next.peers[slot] = peer;
      }
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
        if (s < MAX_SUPPORTERS && !hasSupporter(i, s, from)) {
          supIds[i * MAX_SUPPORTERS + s] = from;
          supCount[i] = s + 1;
        }
      }
    }
  }
  if (affinities.length < touched) affinities = new Float64Array(touched * 2);
  const exponent = tuning.popularityExponent;
  const transitionWeight = tuning.transitionWeight;
  for (let t = 0; t < touched; t++) {
    const node = nodesTouched[t];
    const i = node.index;
    let affinity = knn[i] + transitionWeight * follow[i];
    if (exponent !== 0) affinity *= Math.pow(1 + sources.popularity(node.id), exponent);
    affinities[t] = affinity;
  }
  return { stamp, size: touched };
}

function hasSupporter(i: number, count: number, id: string): boolean {
  for (let k = 0; k < count; k++) if (supporterIds[i * MAX_SUPPORTERS + k] === id) return true;
  return false;
}

/** The `size` best candidates passing `keep`, by affinity then id. */
let scratch = new Float64Array(1024);

/** The k-th largest affinity among candidates (k ≥ 1), using a reused scratch array. */
function kthAffinity(list: readonly Candidate[], k: number): number {
  if (scratch.length < list.length) scratch = new Float64Array(list.length * 2);
  const view = scratch.subarray(0, list.length);
  for (let i = 0; i < list.length; i++) view[i] = list[i].affinity;
  return kthLargest(view, k);
}

export function topCandidates(pool: readonly Candidate[], size: number, keep: (itemId: string) => boolean): Candidate[] {
  let out: Candidate[] | null = null;
  if (pool.length > size * 3) {
    // filters cost lookups: try the best 3·size by affinity first, fall back to all if too few pass
    const threshold = kthAffinity(pool, size * 3);
    out = [];
    for (const c of pool) if (c.affinity >= threshold && keep(c.itemId)) out.push(c);
    if (out.length < size) out = null;
  }
  if (out === null) {
    out = [];
    for (const c of pool) if (keep(c.itemId)) out.push(c);
  }
  if (out.length > size * 2) {
    // cut at the size-th best affinity first (native numeric sort), then order only the survivors
    const threshold = kthAffinity(out, size);
    out = out.filter((c) => c.affinity >= threshold);
  }
  out.sort((a, b) => b.affinity - a.affinity || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
  if (out.length > size) out.length = size;
  return out;
}

let selected = new Int32Array(1024);

/**
 * topCandidates over the latest gathering (same result as topCandidates(gatherCandidates(…))), building
 * candidate objects only for the returned items. Throws if another gathering has run since. The
 * returned objects are reused by the next call: read them before calling again.
 */
export function topGathered(pool: GatheredPool, size: number, keep: (itemId: string) => boolean): Candidate[] {
  if (!isCurrent(pool)) throw new Error('the gathered pool was replaced by a later gathering');
  const n = pool.size;
  const nodes = touchedNodes;
  const aff = affinities;
  if (selected.length < n) selected = new Int32Array(n * 2);
  const sel = selected;
  let m = -1;
  if (n > size * 3) {
    // filters cost lookups: try the best 3·size by affinity first, fall back to all if too few pass
    if (scratch.length < n) scratch = new Float64Array(n * 2);
    const view = scratch.subarray(0, n);
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
    if (scratch.length < m) scratch = new Float64Array(m * 2);
    const view = scratch.subarray(0, m);
    for (let k = 0; k < m; k++) view[k] = aff[sel[k]];
    const threshold = kthLargest(view, size);
    let kept = 0;
    for (let k = 0; k < m; k++) if (aff[sel[k]] >= threshold) sel[kept++] = sel[k];
    m = kept;
  }
  const out: Candidate[] = [];
  while (listCandidates.length < m) listCandidates.push(blankCandidate());
  for (let k = 0; k < m; k++) out.push(fill(listCandidates[k], nodes[sel[k]], aff[sel[k]]));
  out.sort((a, b) => b.affinity - a.affinity || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
  while (out.length > size) out.pop();
  return out;
}
