import type { ItemView } from './item-view.js';
import { kthLargest } from './quickselect.js';
import type { ModelConfig } from './types.js';

/** One candidate item for a user, with the evidence that brought it in. */
export interface Candidate {
  itemId: string;
  /** The item's index in the view's rows, −1 when not known. */
  index: number;
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
  /** The item is in the user's history. */
  seen: boolean;
  trendingOnly: boolean;
}

/** How candidates are gathered: the model configuration's `candidates` group (documented there). */
export type CandidateTuning = Omit<ModelConfig['candidates'], 'poolSize'>;

/** Supporting items a candidate names (its reasons). */
export const MAX_SUPPORTERS = 3;

export interface CandidateSources {
  /** Neighbour rows, followed-by lists and popularity. */
  items: ItemView;
  /** Stored-to-current factor of history weights at `now`. */
  weightFactor: number;
}

export function blankCandidate(): Candidate {
  return {
    itemId: '',
    index: -1,
    knn: 0,
    follow: 0,
    affinity: 0,
    support: 0,
    bestPosition: -1,
    supporters: [],
    seen: false,
    trendingOnly: false,
  };
}

/** The k-th largest affinity among candidates (k ≥ 1). */
function kthAffinity(list: readonly Candidate[], k: number): number {
  const values = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) values[i] = list[i].affinity;
  return kthLargest(values, k);
}

/**
 * The `size` best candidates passing `keep`, by affinity then id: the reference form of
 * CandidateGatherer.top, over candidate objects.
 */
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
