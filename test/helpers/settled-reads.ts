import { waitFor } from './app.js';
import type { ReadApi } from './read-api.js';

/** How long a run may take to learn, and how it is polled (a separate process, a slower broker). */
export interface LearntTiming {
  timeoutMs: number;
  everyMs: number;
  /** The pause before the second reading, and how long that reading may wait for `settled`. */
  pauseMs: number;
  settleMs: number;
}

/**
 * The digest once the engine has learnt at least `events` events and its tables have settled, read
 * again a moment later so nothing was still on its way; the last digest read when that never comes.
 */
export async function learnt(api: ReadApi, events: number, timing: LearntTiming): ReturnType<ReadApi['digest']> {
  await waitFor(
    () => api.digest(),
    (d) => d.eventsApplied >= events && d.settled,
    timing.timeoutMs,
    timing.everyMs,
  ).catch(() => undefined);
  await new Promise((r) => setTimeout(r, timing.pauseMs));
  return waitFor(
    () => api.digest(),
    (d) => d.settled,
    timing.settleMs,
    Math.max(100, timing.everyMs / 2.5),
  ).catch(() => api.digest());
}

/** Each item's top-`limit` similar item ids, in the order of `items`. */
export async function similarOf(api: ReadApi, items: readonly string[], limit: number): Promise<string[][]> {
  const out: string[][] = [];
  for (const item of items) out.push((await api.similar(item, limit)).map((n) => n.itemId));
  return out;
}

/** The reasons of a user's list recomputed now that come from their own history (anything but trending). */
export async function historyReasons(api: ReadApi, userId: string, limit: number): Promise<string[]> {
  const rec = await api.recommendations(userId, limit, true);
  return rec.items.flatMap((i) => i.reasons).filter((r) => r !== 'trending');
}
