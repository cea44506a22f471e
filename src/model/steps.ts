/**
 * Work over the whole state (every user, every item) written as a generator that yields between
 * steps of STEP_ENTRIES entries, so a caller with a clock can spread it over turns of its event loop
 * (src/slices.ts) while the model stays free of clocks. Entries changed between two steps may be
 * seen in either state.
 */
export type Steps<R> = Generator<void, R, void>;

/** Entries of one step (tens of microseconds): a yield per entry doubled the cost of a pass. */
export const STEP_ENTRIES = 64;

/** True when the `n`-th entry of a pass (from 1) ends a step. */
export function endsStep(n: number): boolean {
  return n % STEP_ENTRIES === 0;
}

/** Runs `steps` to their end at once and returns their result. */
export function finish<R>(steps: Steps<R>): R {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
