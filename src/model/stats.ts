import type { ModelState } from './state.js';
import { endsStep, finish, type Steps } from './steps.js';
import type { ModelStats } from './types.js';

/**
 * Sizes of the state. approxBytes is estimated from entry counts with per-entry costs of V8 as the bench's
 * memory models measure them (heapUsed + external after forced collections; docs/BENCHMARKS.md): user
 * shell 300 B (the user, whose own fields are its history's columns, with its numbers and session items in front), history entry 24 B (a slot of three unboxed doubles in the history's column: its
 * numbers and its item and followed-by source as indices of the model's ItemIds), purchased item 60 B, dedup id 10 B (a 53-bit hash among the user's numbers, grown by a quarter), item shell 250 B,
 * co-occurrence or followed-by counter 47 B (its slot of one buffer of columns with their growth slack,
 * witnesses, an 8-bit slot table; no key: its peer names it), neighbour 20 B (its index and score), trending entry 100 B, price 60 B.
 */
export function computeStats(state: ModelState): ModelStats {
  return finish(statsSteps(state));
}

/**
 * computeStats in steps of users and items (steps.ts). What changes between steps is counted as the
 * step that reads it finds it: a user active meanwhile may be counted twice, one forgotten not at all.
 */
export function* statsSteps(state: ModelState): Steps<ModelStats> {
  const { users, similarity, transitions, trending, prices } = state;
  let seen = 0;
  let historyEntries = 0;
  let dedupIds = 0;
  let purchased = 0;
  for (const u of users.values()) {
    historyEntries += u.items.size;
    purchased += u.purchased.size;
    dedupIds += u.dedupSize;
    if (endsStep(++seen)) yield;
  }
  let counterEntries = 0;
  let neighborEntries = 0;
  for (const n of similarity.nodes.values()) {
    counterEntries += n.counters.size;
    neighborEntries += n.neighborScores.length;
    if (endsStep(++seen)) yield;
  }
  let transitionEntries = 0;
  for (const n of transitions.nodes.values()) {
    transitionEntries += n.next.size;
    if (endsStep(++seen)) yield;
  }
  const approxBytes =
    users.size * 300 +
    historyEntries * 24 +
    purchased * 60 +
    dedupIds * 10 +
    similarity.nodes.size * 250 +
    counterEntries * 47 +
    neighborEntries * 20 +
    transitionEntries * 47 +
    trending.counts.size * 100 +
    prices.size * 60;
  return {
    users: users.size,
    items: similarity.nodes.size,
    neighborEntries,
    counterEntries,
    approxBytes,
    eventsApplied: state.eventsApplied,
    rankerLogLoss: state.ranker.runningLogLoss(),
    rlsRmse: state.rls.runningRmse(),
    forgotten: { ...state.forgotten },
  };
}
