import { createShopperSimulation, generateEvents, type ShopperSimulation } from '../eval/generate.js';
import type { TrackingEvent } from '../events/types.js';

const DAY_MS = 86_400_000;

/**
 * A deterministic synthetic history of `events` events over about `spanMs` (default 30 days) ending at
 * most at now (so the engine's timestamp checks accept it), with ids unique to `idPrefix`.
 */
export function syntheticHistory(options: {
  seed: string;
  users: number;
  items?: number;
  events: number;
  idPrefix: string;
  now?: number;
  /** Shopping sessions interleaved in the stream (the simulation's default, 16, when absent). */
  concurrentSessions?: number;
  spanMs?: number;
}): TrackingEvent[] {
  const now = options.now ?? Date.now();
  const span = options.spanMs ?? 30 * DAY_MS;
  const events = [
    ...generateEvents({
      seed: options.seed,
      users: options.users,
      items: options.items,
      events: options.events,
      idPrefix: options.idPrefix,
      concurrentSessions: options.concurrentSessions,
      start: now - span,
      meanGapMs: span / Math.max(1, options.events),
    }),
  ];
  // Random gaps add up to the span only on average (± hours for 100k events over 30 days): end no later than now.
  const overshoot = (events.at(-1)?.timestamp ?? now) - now;
  return overshoot > 0 ? events.map((e) => ({ ...e, timestamp: e.timestamp - overshoot })) : events;
}

/**
 * A synthetic history in which each of `users` users has exactly `eventsPerUser` events: consecutive
 * events of one shopping stream (one session at a time, so a user's events share a shopper's taste)
 * are re-addressed to one user after another. The simulation's own activity skew would leave most
 * ids of a large user count untouched.
 */
export function historyPerUser(options: {
  seed: string;
  users: number;
  eventsPerUser: number;
  items: number;
  idPrefix: string;
}): TrackingEvent[] {
  const events = syntheticHistory({
    seed: options.seed,
    users: options.users,
    items: options.items,
    events: options.users * options.eventsPerUser,
    idPrefix: options.idPrefix,
    concurrentSessions: 1,
  });
  return events.map((e, i) => ({ ...e, userId: `${options.idPrefix}u${Math.floor(i / options.eventsPerUser)}` }));
}

/**
 * Live events for chosen users: the simulation decides what a shopper does next (view, cart, order)
 * and the event is re-addressed to the user the load test is watching, stamped with the send time.
 */
export class LiveEvents {
  private readonly sim: ShopperSimulation;

  constructor(seed: string, idPrefix: string, items = 2_000) {
    this.sim = createShopperSimulation({ seed, users: 200, items, categories: 12, idPrefix });
  }

  for(userId: string, now: number): TrackingEvent {
    return { ...this.sim.next(now), userId, timestamp: now };
  }
}
