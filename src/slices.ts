import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * A slice of work done beside the event path (the gauge refresh's passes, the WebSocket heartbeat,
 * publishing and reading neighbour rows): long enough to amortise the turn it gives away, short
 * beside the event → push latency it delays.
 */
export const BACKGROUND_SLICE_MS = 4;

/** Items handed over between two looks at the clock. */
const ITEMS_PER_LOOK = 16;

/**
 * Hands `items` to `handle` in groups of at most ITEMS_PER_LOOK; once the groups since the last pause
 * took `sliceMs` or longer, waits a turn of the event loop before the next, so a long sweep
 * (thousands of connections, items or users) lets sockets and timers run between slices instead of
 * stalling them. Until a slice is spent it runs synchronously: with Infinity, nothing else runs
 * before it has handed over every item.
 */
export function inSlices<T>(items: Iterable<T>, sliceMs: number, handle: (group: T[]) => void): Promise<void> {
  return stepsInSlices(groups(items, handle), sliceMs);
}

/** Hands `items` to `handle` in groups of ITEMS_PER_LOOK, a step per group. */
function* groups<T>(items: Iterable<T>, handle: (group: T[]) => void): Generator<void, void, void> {
  let group: T[] = [];
  for (const item of items) {
    group.push(item);
    if (group.length < ITEMS_PER_LOOK) continue;
    handle(group);
    group = [];
    yield;
  }
  if (group.length > 0) handle(group);
}

/**
 * Runs `steps` (a generator that yields between pieces of work) to its end and returns its result;
 * once the steps since the last pause took `sliceMs` or longer, waits a turn of the event loop.
 * Until a slice is spent it runs synchronously: with Infinity, nothing else runs before the last step.
 */
export async function stepsInSlices<R>(steps: Generator<void, R, void>, sliceMs: number): Promise<R> {
  let sliceStarted = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    if (performance.now() - sliceStarted < sliceMs) continue;
    await nextTurn();
    sliceStarted = performance.now();
  }
}
