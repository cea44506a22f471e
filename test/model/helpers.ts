import type { TrackingEvent } from '../../src/events/types.js';
import { type ModelConfigInput, ModelState, Recommender, resolveConfig } from '../../src/model/index.js';

/** A small deterministic PRNG for generating test streams (the model itself never uses randomness). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 0, 1);

export function view(
  eventId: string,
  userId: string,
  itemId: string,
  timestamp: number,
  type: 'view' | 'click' | 'add_to_cart' | 'remove_from_cart' = 'view',
  sessionId?: string,
): TrackingEvent {
  return { kind: 'click', eventId, userId, itemId, timestamp, type, sessionId: sessionId ?? null };
}

export function purchase(
  eventId: string,
  userId: string,
  timestamp: number,
  lines: Array<[string, number, number]>,
  orderId = `o-${eventId}`,
): TrackingEvent {
  return {
    kind: 'purchase',
    eventId,
    userId,
    timestamp,
    orderId,
    currency: 'EUR',
    items: lines.map(([itemId, quantity, price]) => ({ itemId, quantity, price })),
  };
}

/** A random click stream with a few taste clusters so similarities are non-trivial. */
export function randomStream(n: number, seed: number, users = 60, items = 80): TrackingEvent[] {
  const rnd = lcg(seed);
  const types = ['view', 'view', 'click', 'add_to_cart', 'remove_from_cart'] as const;
  const out: TrackingEvent[] = [];
  for (let k = 0; k < n; k++) {
    const u = Math.floor(rnd() * users);
    const cluster = u % 4;
    const item = rnd() < 0.8 ? cluster * 20 + Math.floor(rnd() * 20) : Math.floor(rnd() * items);
    const t = T0 + k * 60_000;
    if (rnd() < 0.1) {
      out.push(
        purchase(`e${k}`, `u${u}`, t, [
          [`i${item}`, 1, 5 + (item % 7)],
          [`i${(item + 1) % items}`, 2, 3],
        ]),
      );
    } else {
      out.push(view(`e${k}`, `u${u}`, `i${item}`, t, types[Math.floor(rnd() * types.length)]));
    }
  }
  return out;
}

/** A model and the learning state it works on, for tests that look inside the state. */
export function modelWithState(config: ModelConfigInput = {}): { model: Recommender; state: ModelState } {
  const state = new ModelState(resolveConfig(config));
  return { model: new Recommender(state), state };
}
