import { createShopperSimulation, generateEvents, type ShopperSimulation } from '../eval/generate.js';
import { Prng } from '../eval/prng.js';
import type { ClickType, TrackingEvent } from '../events/types.js';

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

/** View, click, add to cart in a funnel's proportions (the memory shapes need every event on a new item). */
const SHAPED_TYPES: readonly ClickType[] = ['view', 'view', 'view', 'view', 'view', 'view', 'click', 'click', 'click', 'add_to_cart'];

/**
 * A history that brings a model to a known shape: every user has exactly `itemsPerUser` events in one
 * session, each on a different item, so their histories hold `itemsPerUser` distinct items. The
 * catalogue is `clusters` clusters of `partnersPerItem + 1` items and a user shops in one cluster
 * only, so every item co-occurs with exactly `partnersPerItem` others: its co-occurrence counters
 * hold that many, never more, and none is evicted. (The simulation's popularity skew would leave
 * tail items with a handful.) `usersPerCluster` users draw their items uniformly inside their
 * cluster; then a few more users per cluster are given pairs no one has bought together yet, until
 * every pair of the cluster has co-occurred, so the shape is exact rather than likely — the result
 * may hold slightly more users than asked for. Users follow one another over about 30 days ending at
 * most at now.
 */
export function shapedHistory(options: {
  seed: string;
  usersPerCluster: number;
  clusters: number;
  partnersPerItem: number;
  itemsPerUser: number;
  idPrefix: string;
}): TrackingEvent[] {
  const { clusters, itemsPerUser, idPrefix } = options;
  const size = options.partnersPerItem + 1;
  if (itemsPerUser < 2 || itemsPerUser > size)
    throw new RangeError(`shapedHistory: ${itemsPerUser} distinct items per user need clusters of at least that many, not ${size}`);
  const rng = new Prng(options.seed);
  const baskets: number[][] = [];
  for (let c = 0; c < clusters; c++) {
    const together = new Uint8Array(size * size);
    const add = (basket: number[]): void => {
      for (const a of basket) for (const b of basket) together[a * size + b] = 1;
      baskets.push(basket.map((i) => c * size + i));
    };
    const pool = Array.from({ length: size }, (_, i) => i);
    for (let u = 0; u < options.usersPerCluster; u++) {
      // a partial Fisher–Yates shuffle: the first itemsPerUser slots are distinct uniform draws
      for (let k = 0; k < itemsPerUser; k++) {
        const j = k + rng.int(size - k);
        [pool[k], pool[j]] = [pool[j]!, pool[k]!];
      }
      add(pool.slice(0, itemsPerUser));
    }
    for (;;) {
      const basket: number[] = [];
      const has = new Set<number>();
      for (let a = 0; a < size && basket.length < itemsPerUser; a++) {
        for (let b = a + 1; b < size && basket.length < itemsPerUser; b++) {
          if (together[a * size + b] === 1 || has.has(a) || has.has(b) || basket.length + 2 > itemsPerUser) continue;
          basket.push(a, b);
          has.add(a).add(b);
        }
      }
      if (basket.length === 0) break;
      for (let i = 0; basket.length < itemsPerUser; i++) {
        if (!has.has(i)) {
          basket.push(i);
          has.add(i);
        }
      }
      add(basket);
    }
  }
  const total = baskets.length * itemsPerUser;
  const gapMs = Math.max(1, Math.floor((30 * DAY_MS) / Math.max(1, total)));
  let time = Date.now() - total * gapMs;
  const events: TrackingEvent[] = [];
  baskets.forEach((basket, u) => {
    basket.forEach((item, k) => {
      events.push({
        kind: 'click',
        eventId: `${idPrefix}e${u}-${k}`,
        userId: `${idPrefix}u${u}`,
        timestamp: time,
        type: SHAPED_TYPES[rng.int(SHAPED_TYPES.length)]!,
        itemId: `${idPrefix}i${item}`,
        sessionId: `${idPrefix}s${u}`,
        price: 5 + (item % 200),
      });
      time += gapMs;
    });
  });
  return events;
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
