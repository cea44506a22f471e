import type { RunningApp } from '../../src/app.js';
import { waitFor } from './app.js';

/** The digest once the learnt events pass `events` and the item side has applied their deltas too. */
export async function settledAt(app: RunningApp, events: (applied: number) => boolean) {
  const { settled: _, ...digest } = await waitFor(
    async () => ({ ...app.engine.digest(), settled: await app.engine.settled() }),
    (d) => events(d.eventsApplied) && d.settled,
  );
  return digest;
}

/** Clicks `from`..`to` of 23 users on 41 items, one a second from `base`, every fifth an add to cart. */
export function clicks(from: number, to: number, base: number) {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return {
      eventId: `ev-${i}`,
      userId: `user-${i % 23}`,
      timestamp: base + i * 1000,
      type: i % 5 === 0 ? 'add_to_cart' : 'view',
      itemId: `sku-${(i * 7) % 41}`,
    };
  });
}
