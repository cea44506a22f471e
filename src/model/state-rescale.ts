import type { ModelState } from './state.js';

/**
 * Applies a forward-decay renormalisation factor to every stored weight of the state: user weights,
 * followed-by counts (linear) and co-occurrence dots and norms (squared). One decay landmark per
 * state, so both sides of a process move together.
 */
export function rescaleState(state: ModelState, factor: number): void {
  for (const u of state.users.values()) u.scale(factor);
  state.similarity.scale(factor * factor);
  state.transitions.scale(factor);
}

/** Moves the state's landmark when `time` is far past it (see ForwardDecay.renormaliseAt). */
export function renormaliseState(state: ModelState, time: number): boolean {
  const factor = state.decay.renormaliseAt(time);
  if (factor === null) return false;
  rescaleState(state, factor);
  return true;
}
