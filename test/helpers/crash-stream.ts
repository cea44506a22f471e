import { expect } from 'vitest';
import { syntheticHistory } from '../../src/bench/workload.js';
import { Prng } from '../../src/eval/prng.js';
import type { TrackingEvent } from '../../src/events/types.js';
import { agreement, bump, mostFrequent } from './agreement.js';

/**
 * The stream the crash and restart tests send, and where they crash it: a shop's last two hours
 * (recent enough that no user or item goes idle while the test runs), in batches as a website sends
 * them.
 */
export interface CrashStream {
  events: TrackingEvent[];
  batches: TrackingEvent[][];
  /** Distinct users of the stream: what the model holds once it has learnt all of it. */
  users: Set<string>;
  /** The items the stream names most often, most first. */
  topItems(n: number): string[];
}

const SPAN_MS = 2 * 3_600_000;

export function crashStream(options: { seed: string; events: number; users: number; items: number; batchSize: number }): CrashStream {
  const events = syntheticHistory({
    seed: options.seed,
    users: options.users,
    items: options.items,
    events: options.events,
    idPrefix: `${options.seed}-`,
    spanMs: SPAN_MS,
    now: Date.now() - 5 * 60_000,
  });
  const batches: TrackingEvent[][] = [];
  for (let i = 0; i < events.length; i += options.batchSize) batches.push(events.slice(i, i + options.batchSize));
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'click') bump(counts, e.itemId);
    else for (const line of e.items) bump(counts, line.itemId);
  }
  return { events, batches, users: new Set(events.map((e) => e.userId)), topItems: (n) => mostFrequent(counts, n) };
}

/** The seed of this run's crash points: CRASH_SEED when set (to repeat a run), else a new one. */
export function crashSeed(): number {
  const given = process.env.CRASH_SEED;
  return given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

export interface CrashPoint {
  /** Index of the batch sent just before the kill. */
  batch: number;
  /** Kill this many ms after the POST went out without waiting for its answer, or (null) once it answered. */
  afterMs: number | null;
}

/** `count` distinct batches, none the first or last two, each killed mid-POST or just after its answer. */
export function crashPoints(seed: number, batches: number, count: number): CrashPoint[] {
  const rng = new Prng(seed);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(2 + rng.int(batches - 4));
  return [...picked].sort((a, b) => a - b).map((batch) => ({ batch, afterMs: rng.chance(0.5) ? rng.int(20) : null }));
}

/** The engine's "partition restored" log lines, one short line per store partition (for a test's report). */
export function restoredPartitions(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('partition restored'))
    .map((l) => {
      const j = JSON.parse(l) as { msg: string; partition: unknown; keys: number; replayed: number };
      return `${j.msg.split(' ')[0]} ${j.partition}: ${j.keys} keys, ${j.replayed} replayed`;
    });
}

interface EndDigest {
  users: number;
  items: number;
  eventsApplied: number;
  stateHash: string;
}

/**
 * The engines' model settings for a crash test: a user's history unbounded. With the default bound
 * (30 items) a user's history evicts in the order the engine applies their events, and a user's
 * clicks and purchases come by two topics, consumed batch by batch in whatever order they arrive:
 * two uninterrupted runs of one stream agreed on 95–98 % of their similar items (and 100 % with the
 * history unbounded). Without that noise a crash's lost or doubled learning shows.
 */
export const ORDER_FREE_MODEL = { MODEL_HISTORY_LENGTH: '0' };

/**
 * Logs how a crashed-and-restarted run ended beside the uninterrupted one, then asserts they end
 * alike: every event applied once, the same users and items, and top-`limit` similar items of the
 * `compared` items overlapping at least 99 % (every straight list full, so nothing agrees by being
 * empty; the engines run with ORDER_FREE_MODEL). `report` is added to the logged line.
 */
export function expectEndsLikeStraight(
  label: string,
  run: {
    events: number;
    users: number;
    limit: number;
    /** How many items' similar lists are compared. */
    compared: number;
    straight: EndDigest;
    crashed: EndDigest;
    fromStraight: string[][];
    fromCrashed: string[][];
    report: Record<string, unknown>;
  },
): void {
  const overlap = agreement(run.fromStraight, run.fromCrashed);
  console.log(
    `crash-restart (${label}): ${JSON.stringify({
      ...run.report,
      straight: run.straight,
      crashed: run.crashed,
      sameStateHash: run.straight.stateHash === run.crashed.stateHash,
      similarOverlap: Math.round(overlap * 1000) / 1000,
    })}`,
  );
  expect(run.straight.eventsApplied).toBe(run.events);
  expect(run.straight.users).toBe(run.users);
  expect(run.crashed.eventsApplied).toBe(run.straight.eventsApplied);
  expect(run.crashed.users).toBe(run.straight.users);
  expect(run.crashed.items).toBe(run.straight.items);
  expect(run.fromStraight.filter((s) => s.length === run.limit)).toHaveLength(run.compared);
  expect(overlap).toBeGreaterThanOrEqual(0.99);
}
