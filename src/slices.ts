import { setImmediate as nextTurn } from 'node:timers/promises';

/** Items taken between two looks at the clock. */
const ITEMS_PER_LOOK = 16;

/**
 * `items` in groups of at most ITEMS_PER_LOOK; once the groups handed out since the last yield took
 * `sliceMs` or longer (the consumer's work included), waits a turn of the event loop before the next,
 * so a long sweep (thousands of connections, items or users) lets sockets and timers run between
 * slices instead of stalling them. Infinity: never waits.
 */
export async function* slices<T>(items: Iterable<T>, sliceMs: number): AsyncGenerator<T[]> {
  let group: T[] = [];
  let sliceStarted = performance.now();
  for (const item of items) {
    group.push(item);
    if (group.length < ITEMS_PER_LOOK) continue;
    yield group;
    group = [];
    if (performance.now() - sliceStarted >= sliceMs) {
      await nextTurn();
      sliceStarted = performance.now();
    }
  }
  if (group.length > 0) yield group;
}
