import { type FtrlJson, FtrlRegression } from './ftrl.js';
import { type RlsJson, RlsRegression } from './rls.js';
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

/** The ranker and regression exactly as trained here: what a state store keeps for a restart. */
export interface ParamsSnapshot {
  ranker: FtrlJson;
  rls: RlsJson;
}

export function paramsSnapshot(state: ModelState): ParamsSnapshot {
  return { ranker: state.ranker.toJSON(), rls: state.rls.toJSON() };
}

/**
 * Takes stored weights when this state has trained on nothing yet (a restarted process); a process
 * that has trained keeps its own and merges with the group's instead (mergeParams).
 */
export function loadParams(state: ModelState, stored: ParamsSnapshot): boolean {
  if (state.ranker.updates > 0 || state.rls.samples > 0) return false;
  state.ranker = FtrlRegression.fromJSON(state.config.ftrl, stored.ranker);
  state.rls = RlsRegression.fromJSON(stored.rls);
  return true;
}
