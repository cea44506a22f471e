import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../../src/events/types.js';
import { Recommender } from '../../src/model/index.js';
import { randomStream } from './helpers.js';

/** Interleaves the users' streams differently while keeping each user's own order. */
function reinterleave(events: TrackingEvent[]): TrackingEvent[] {
  const byUser = new Map<string, TrackingEvent[]>();
  for (const e of events) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
  const queues = [...byUser.values()].reverse();
  const out: TrackingEvent[] = [];
  while (out.length < events.length) for (const q of queues) if (q.length > 0) out.push(q.shift()!);
  return out;
}

describe('digest', () => {
  const exact = { historyLength: 0, maxCountersPerItem: 0, halfLifeHours: 24 };

  it('is equal for runs that applied the same events, whatever the interleaving of users', () => {
    const events = randomStream(3000, 4, 40, 60);
    const a = new Recommender(exact);
    const b = new Recommender(exact);
    for (const e of events) a.learnOne(e);
    for (const e of reinterleave(events)) b.learnOne(e);
    const da = a.digest();
    expect(da.stateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.digest()).toEqual(da);
    expect(da).toMatchObject({ users: 40, items: a.stats().items, eventsApplied: 3000 });
  });

  it('does not depend on which neighbour rows were read', () => {
    const events = randomStream(2000, 8, 30, 50);
    const a = new Recommender();
    const b = new Recommender();
    for (const e of events) {
      a.learnOne(e);
      b.learnOne(e);
      b.recommend(e.userId, { limit: 5, now: e.timestamp });
    }
    expect(b.digest()).toEqual(a.digest());
  });

  it('changes when the state changes', () => {
    const events = randomStream(500, 9, 20, 30);
    const a = new Recommender();
    for (const e of events) a.learnOne(e);
    const before = a.digest().stateHash;
    a.learnOne({ kind: 'click', eventId: 'extra', userId: 'u1', itemId: 'i1', type: 'click', timestamp: events[499].timestamp });
    expect(a.digest().stateHash).not.toBe(before);
  });
});
