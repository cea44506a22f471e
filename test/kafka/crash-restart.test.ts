import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../../src/events/types.js';
import { waitFor } from '../helpers/app.js';
import {
  crashPoints,
  crashSeed,
  crashStream,
  expectEndsLikeStraight,
  ORDER_FREE_MODEL,
  restoredPartitions,
} from '../helpers/crash-stream.js';
import { type EngineProcess, spawnEngine, stopCleanly, waitReady, withLogs } from '../helpers/engine-process.js';
import { mockKafkaForFile } from '../helpers/mock-kafka.js';
import { ReadApi } from '../helpers/read-api.js';
import { historyReasons as ownReasons, learnt as settledDigest, similarOf as similarItems } from '../helpers/settled-reads.js';
import { createGroupTopics, createInputTopics, type TopicSet, topicEnv, topicSet, Website } from './website.js';

/**
 * Crashes and restarts of `recstream start` on Kafka (librdkafka's mock cluster), each engine its own
 * OS process. The shop's backend produces its events straight to the input topics, as Kafka users do:
 * the broker, not the engine, acknowledges them, so a killed engine loses no input and nothing is
 * sent again; the restarted process restores its state stores and replays the input after their
 * checkpoints. Two groups read the same input topics: one is killed, the other runs uninterrupted.
 */

/**
 * Smaller than on the embedded log (50k events over 16 partitions passed the kill-and-compare part,
 * then overran the limit below in later restarts): librdkafka's mock keeps only about 5 MB per
 * partition of any topic, compacted ones too (a real broker compacts a store to one record per key), and a state
 * commit rewrites every item that changed with all its counters. 20k events on 400 items over 8
 * partitions with a commit every 6 s keep every store whole (every 2 s overran it in one CI run).
 * Counters are unbounded (MODEL_MAX_COUNTERS_PER_ITEM=0, affordable with 400 items): bounded ones keep whichever peers came
 * first, so two runs whose item deltas arrive in another order differ for reasons of their own.
 */
const EVENTS = 20_000;
const BATCH = 500;
const PARTITIONS = 8;
const LIMIT = 10;
const ITEMS_COMPARED = 60;
const KILLS = 3;

const mock = mockKafkaForFile();
const input = topicSet('crash');
/** A group's own topics (named after its GROUP_ID, as the engine's defaults are) on the shared input. */
const topicsOf = (group: string): TopicSet => ({ ...topicSet(group), clicks: input.clicks, purchases: input.purchases });
const KILLED = 'crash-killed';
const STRAIGHT = 'crash-straight';

interface Engine {
  process: EngineProcess;
  api: ReadApi;
}

/** An engine of `group`, ready; state checkpoints every 2 s so a run has many. */
async function engine(group: string, env: Record<string, string> = {}): Promise<Engine> {
  // Short group timeouts: the mock broker holds a rebalance for about the session timeout, and a
  // killed member is only replaced once its session has expired.
  const started = await spawnEngine(
    {
      KAFKA_BROKERS: mock.cluster.bootstrap,
      GROUP_ID: group,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_REBALANCE_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      STATE_COMMIT_MS: '6000',
      // fewer rewritten items and republished rows: every topic must stay under the mock's size limit
      NEIGHBOR_PUBLISH_MS: '1000',
      MODEL_MAX_COUNTERS_PER_ITEM: '0',
      ...ORDER_FREE_MODEL,
      ...topicEnv(topicsOf(group)),
      ...env,
    },
    90_000,
  );
  mock.cleanups.push(() => started.stop('SIGKILL'));
  await withLogs([started], waitReady(started.url, 90_000), 40);
  // no ADMIN_TOKEN: the website registers its schemas on the embedded registry, open then
  return { process: started, api: new ReadApi(started, '') };
}

const learnt = (api: ReadApi, events: number, timeoutMs = 180_000) =>
  settledDigest(api, events, { timeoutMs, everyMs: 500, pauseMs: 1500, settleMs: 20_000 });
const similarOf = (api: ReadApi, items: readonly string[]) => similarItems(api, items, LIMIT);
const historyReasons = (api: ReadApi, userId: string) => ownReasons(api, userId, LIMIT);

/**
 * The mock broker still holds every record of the topics a restore reads: a store it cut short would
 * fail these tests for its own reason, not the engine's.
 */
async function keptWhole(site: Website): Promise<void> {
  for (const group of [KILLED, STRAIGHT]) {
    const t = topicsOf(group);
    for (const topic of [t.userState, t.itemState, t.itemDeltas, t.itemNeighbors, t.changelog]) {
      expect(await site.dropped(topic), `records of ${topic} dropped by the mock broker's size limit`).toBe(0);
    }
  }
}

/** The killed group has committed every input record sent so far. */
async function caughtUp(site: Website): Promise<void> {
  await waitFor(
    () => site.uncommitted(KILLED, [input.clicks, input.purchases]),
    (n) => n === 0,
    60_000,
    500,
  );
}

/** Bytes this process wrote to its state stores, per store. */
async function stateBytes(e: Engine): Promise<Record<string, number>> {
  const text = await (await fetch(`${e.process.url}/metrics`)).text();
  return Object.fromEntries(
    [...text.matchAll(/^recstream_state_commit_bytes_total\{store="(\w+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])]),
  );
}

async function killed(e: Engine): Promise<void> {
  e.process.child.kill('SIGKILL');
  await e.process.exited;
}

const stream = crashStream({ seed: 'crash-restart-kafka', events: EVENTS, users: 3000, items: 400, batchSize: BATCH });
/** Set by the first test, used by the next ones: the uninterrupted group's engine and the killed group's. */
let straight: Engine | null = null;
let survivor: Engine | null = null;
/** The registry of the uninterrupted engine (the killed group's processes use it, as the website does). */
let registry = '';
/** The shop's backend producing to the input topics (its schema ids stay valid across the registry's restarts). */
let website: Website | null = null;

describe('crash and restart on Kafka (librdkafka mock cluster, separate OS processes)', () => {
  it(`SIGKILL at ${KILLS} random points of a ${EVENTS}-event stream, restarted each time, ends where an uninterrupted group ends`, async () => {
    const started = Date.now();
    const seed = crashSeed();
    const points = crashPoints(seed, stream.batches.length, KILLS);
    console.log(`crash-restart (kafka): CRASH_SEED=${seed}, kills after batches ${JSON.stringify(points)}`);

    await createInputTopics(mock.cluster, input, PARTITIONS);
    for (const group of [KILLED, STRAIGHT]) await createGroupTopics(mock.cluster, topicsOf(group), PARTITIONS);
    straight = await engine(STRAIGHT);
    registry = `${straight.process.url}/registry`;
    let crashed = await engine(KILLED, { SCHEMA_REGISTRY_URL: registry });
    const site = new Website(mock.cluster.brokers, registry, input);
    await site.connect();
    mock.cleanups.push(() => site.close());
    website = site;

    const kills: Array<{ batch: number; restartMs: number; restored: string[] }> = [];
    for (let i = 0; i < stream.batches.length; i++) {
      await site.events(stream.batches[i]!);
      const point = points.find((p) => p.batch === i);
      if (point === undefined) continue;
      // acknowledged by the broker: the engine is killed while it is learning what was just sent
      if (point.afterMs !== null) await new Promise((r) => setTimeout(r, point.afterMs!));
      await killed(crashed);
      const killedAt = Date.now();
      crashed = await engine(KILLED, { SCHEMA_REGISTRY_URL: registry });
      kills.push({
        batch: i,
        restartMs: Date.now() - killedAt,
        restored: restoredPartitions(crashed.process.output()),
      });
    }
    survivor = crashed;
    const sentMs = Date.now() - started;

    const expected = await learnt(straight.api, EVENTS);
    const after = await learnt(crashed.api, expected.eventsApplied);
    await keptWhole(site);
    const items = stream.topItems(ITEMS_COMPARED);
    const [fromStraight, fromCrashed] = [await similarOf(straight.api, items), await similarOf(crashed.api, items)];
    expectEndsLikeStraight('kafka', {
      events: EVENTS,
      users: stream.users.size,
      limit: LIMIT,
      compared: ITEMS_COMPARED,
      straight: expected,
      crashed: after,
      fromStraight: fromStraight,
      fromCrashed,
      report: {
        seed,
        kills,
        stateBytes: { straight: await stateBytes(straight), crashed: await stateBytes(crashed) },
        sentSeconds: sentMs / 1000,
        totalSeconds: (Date.now() - started) / 1000,
      },
    });
  }, 400_000);

  it('a clean restart (SIGTERM) after the long stream gives the identical digest', async () => {
    expect(straight, 'the uninterrupted group of the previous test').not.toBeNull();
    const digest = await learnt(straight!.api, EVENTS);
    expect(digest.settled).toBe(true);
    await stopCleanly(straight!.process);

    // its registry comes back with the schemas it registers itself, under the same ids
    straight = await engine(STRAIGHT);
    registry = `${straight.process.url}/registry`;
    const restored = await learnt(straight.api, digest.eventsApplied, 60_000);
    await keptWhole(website!);
    expect(restored, `the restarted engine's last log lines:\n${straight.process.output().slice(-4000)}`).toEqual(digest);
    // restored from the stores alone: no input is read again, so retention could not have mattered
    const restores = straight.process.output().match(/\{[^\n]*"msg":"(user|item) partition restored"\}/g) ?? [];
    expect(restores.length).toBeGreaterThanOrEqual(2 * PARTITIONS);
    for (const line of restores) expect(JSON.parse(line)).toMatchObject({ replayed: 0 });
  }, 180_000);

  it('an erased user stays erased across a SIGKILL and a SIGTERM restart', async () => {
    expect(survivor, 'the killed group of the first test').not.toBeNull();
    let e = survivor!;
    const before = await learnt(e.api, EVENTS);
    const activity = new Map<string, number>();
    for (const ev of stream.events) activity.set(ev.userId, (activity.get(ev.userId) ?? 0) + 1);
    const [first, second] = [...activity].sort((a, b) => b[1] - a[1]).map(([u]) => u);
    // what is checked after the restarts can fail: both have history-based recommendations now
    expect(await historyReasons(e.api, first!)).not.toEqual([]);
    expect(await historyReasons(e.api, second!)).not.toEqual([]);

    // more of the user's events are on their way when the erasure comes; the process is killed as soon
    // as the erasure is answered
    const site = website!;
    const now = Date.now();
    const more = (userId: string): TrackingEvent[] =>
      stream
        .topItems(5)
        .map((itemId, k) => ({ kind: 'click', eventId: `more-${userId}-${k}`, userId, itemId, type: 'view', timestamp: now - 1000 + k }));
    await site.events(more(first!));
    expect(await e.api.erase(first!)).toBe(204);
    await killed(e);

    e = await engine(KILLED, { SCHEMA_REGISTRY_URL: registry });
    await caughtUp(site);
    // the erased user's events replayed after the last checkpoint are no longer counted
    const afterKill = await learnt(e.api, before.eventsApplied - activity.get(first!)!);
    expect(afterKill.users).toBe(before.users - 1);
    expect(await historyReasons(e.api, first!)).toEqual([]);
    expect(await historyReasons(e.api, second!)).not.toEqual([]);

    await site.events(more(second!));
    expect(await e.api.erase(second!)).toBe(204);
    await stopCleanly(e.process);

    e = await engine(KILLED, { SCHEMA_REGISTRY_URL: registry });
    await caughtUp(site);
    const afterTerm = await learnt(e.api, afterKill.eventsApplied);
    expect(afterTerm.users).toBe(before.users - 2);
    expect(await historyReasons(e.api, first!)).toEqual([]);
    expect(await historyReasons(e.api, second!)).toEqual([]);
    await keptWhole(site);
  }, 240_000);
});
