import type { ModelState } from './state.js';

/**
 * The learnt weights a process shares with the others of its group: its ranker's FTRL accumulators
 * and its order-value regression in information form, with how many examples each was trained on
 * here (the weights of the merge).
 */
export interface ModelParams {
  ranker: { z: number[]; n: number[]; trained: number };
  rls: { p: number[][]; w: number[]; trained: number } | null;
}

export function exportParams(state: ModelState): ModelParams {
  const info = state.rls.information();
  return {
    ranker: { ...state.ranker.accumulators(), trained: state.ranker.updates },
    rls: info === null ? null : { ...info, trained: state.rls.samples },
  };
}

/**
 * Averages the state's ranker and regression with the peers' (weighted by examples trained on), so
 * every process of a group ranks with what all of them learnt.
 */
export function mergeParams(state: ModelState, peers: readonly ModelParams[]): void {
  if (peers.length === 0) return;
  state.ranker.averageWith(
    peers.map((p) => ({ z: p.ranker.z, n: p.ranker.n, weight: p.ranker.trained })),
    state.ranker.updates,
  );
  const rls = peers.flatMap((p) => (p.rls === null ? [] : [{ p: p.rls.p, w: p.rls.w, weight: p.rls.trained }]));
  state.rls.combineWith(rls, state.rls.samples);
}
