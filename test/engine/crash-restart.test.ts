import { afterAll, describe, expect, it } from 'vitest';
import { collectorJson } from '../../src/events/collector-json.js';
import type { TrackingEvent } from '../../src/events/types.js';
import { tempDir } from '../helpers/app.js';
import {
  crashPoints,
  crashSeed,
  crashStream,
  expectEndsLikeStraight,
  ORDER_FREE_MODEL,
  restoredPartitions,
} from '../helpers/crash-stream.js';
import { type EngineProcess, spawnEngine, stopCleanly, waitReady } from '../helpers/engine-process.js';
import { ReadApi } from '../helpers/read-api.js';
import { historyReasons as ownReasons, learnt as settledDigest, similarOf as similarItems } from '../helpers/settled-reads.js';

/**
 * Crashes and restarts of `recstream start` on the embedded log (DATA_DIR), each engine its own OS
 * process: a SIGKILL loses only what came after the last state checkpoint, which is replayed from the
 * input; a SIGTERM writes everything, so the restart has the digest it stopped with.
 */

const ADMIN_TOKEN = 'crash-restart-admin-token-0123456789';
const EVENTS = 50_000;
const BATCH = 500;
const LIMIT = 10;
const ITEMS_COMPARED = 60;
const KILLS = 3;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Engine {
  process: EngineProcess;
  api: ReadApi;
}

/** An engine on the embedded log kept in `dir`, ready; state checkpoints every second so a run has many. */
async function engine(dir: string): Promise<Engine> {
  const started = await spawnEngine({ DATA_DIR: dir, STATE_COMMIT_MS: '1000', ADMIN_TOKEN, ...ORDER_FREE_MODEL }, 60_000);
  cleanups.push(() => started.stop('SIGKILL'));
  await waitReady(started.url, 60_000);
  return { process: started, api: new ReadApi(started, ADMIN_TOKEN) };
}

/** POSTs a batch as a website does; the status, or null when the connection died before an answer. */
function send(e: Engine, events: readonly TrackingEvent[]): Promise<number | null> {
  return fetch(`${e.process.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events.map(collectorJson)),
  }).then(
    async (res) => {
      const body = (await res.json()) as { accepted?: number };
      if (res.status === 202 && body.accepted !== events.length) throw new Error(`only ${body.accepted} of ${events.length} accepted`);
      return res.status;
    },
    () => null,
  );
}

async function sendAll(e: Engine, events: readonly TrackingEvent[]): Promise<void> {
  expect(await send(e, events)).toBe(202);
}

const learnt = (api: ReadApi, events: number, timeoutMs = 120_000) =>
  settledDigest(api, events, { timeoutMs, everyMs: 250, pauseMs: 1000, settleMs: 10_000 });
const similarOf = (api: ReadApi, items: readonly string[]) => similarItems(api, items, LIMIT);
const historyReasons = (api: ReadApi, userId: string) => ownReasons(api, userId, LIMIT);

/** Restarts in the same `dir` (the same log, stores and group commits), ready. */
async function restart(dir: string): Promise<Engine> {
  return engine(dir);
}

const stream = crashStream({ seed: 'crash-restart', events: EVENTS, users: 5000, items: 1500, batchSize: BATCH });
/** The uninterrupted run of the stream, kept for the clean-restart test. */
let straight: { dir: string; engine: Engine } | null = null;

describe('crash and restart on the embedded log (separate OS processes, DATA_DIR)', () => {
  it(`SIGKILL at ${KILLS} random points of a ${EVENTS}-event stream, restarted each time with the unanswered batch sent again, ends where an uninterrupted run ends`, async () => {
    const started = Date.now();
    const seed = crashSeed();
    const points = crashPoints(seed, stream.batches.length, KILLS);
    console.log(`crash-restart (embedded): CRASH_SEED=${seed}, kills after batches ${JSON.stringify(points)}`);

    const straightDir = tempDir();
    const crashDir = tempDir();
    straight = { dir: straightDir, engine: await engine(straightDir) };
    const reference = straight.engine;
    let crashed = await engine(crashDir);

    const kills: Array<{ batch: number; answered: boolean; restartMs: number; restoreLog: string[] }> = [];
    for (let i = 0; i < stream.batches.length; i++) {
      const batch = stream.batches[i]!;
      const point = points.find((p) => p.batch === i);
      if (point === undefined) {
        await Promise.all([sendAll(reference, batch), sendAll(crashed, batch)]);
        continue;
      }
      const [, answer] = await Promise.all([
        sendAll(reference, batch),
        (async () => {
          const answer = send(crashed, batch);
          if (point.afterMs === null) await answer;
          else await new Promise((r) => setTimeout(r, point.afterMs!));
          crashed.process.child.kill('SIGKILL');
          await crashed.process.exited;
          return answer;
        })(),
      ]);
      const killedAt = Date.now();
      crashed = await restart(crashDir);
      const restartMs = Date.now() - killedAt;
      // a website sends again what it got no answer for
      if (answer !== 202) await sendAll(crashed, batch);
      kills.push({
        batch: i,
        answered: answer === 202,
        restartMs,
        restoreLog: restoredPartitions(crashed.process.output()),
      });
    }
    const sentMs = Date.now() - started;

    const expected = await learnt(reference.api, EVENTS);
    const after = await learnt(crashed.api, expected.eventsApplied);
    const items = stream.topItems(ITEMS_COMPARED);
    const [fromReference, fromCrashed] = [await similarOf(reference.api, items), await similarOf(crashed.api, items)];
    expectEndsLikeStraight('embedded', {
      events: EVENTS,
      users: stream.users.size,
      limit: LIMIT,
      compared: ITEMS_COMPARED,
      straight: expected,
      crashed: after,
      fromStraight: fromReference,
      fromCrashed,
      report: {
        seed,
        kills,
        sentSeconds: sentMs / 1000,
        totalSeconds: (Date.now() - started) / 1000,
      },
    });
  }, 240_000);

  it('a clean restart (SIGTERM) after the long stream gives the identical digest', async () => {
    expect(straight, 'the uninterrupted run of the previous test').not.toBeNull();
    const { dir, engine: before } = straight!;
    const digest = await learnt(before.api, EVENTS);
    expect(digest.settled).toBe(true);
    await stopCleanly(before.process);

    const again = await restart(dir);
    const restored = await learnt(again.api, digest.eventsApplied, 60_000);
    expect(restored).toEqual(digest);
    expect(again.process.output()).toMatch(/user partition restored/);
  }, 120_000);

  it('an erased user stays erased across a SIGKILL and a SIGTERM restart', async () => {
    const small = crashStream({ seed: 'crash-erase', events: 6000, users: 400, items: 300, batchSize: BATCH });
    const first = small.batches.slice(0, 6).flat();
    const activity = new Map<string, number>();
    for (const e of first) activity.set(e.userId, (activity.get(e.userId) ?? 0) + 1);
    const [erasedFirst, erasedSecond] = [...activity].sort((a, b) => b[1] - a[1]).map(([u]) => u);
    const eventsOf = (userId: string) => small.events.filter((e) => e.userId === userId).length;
    const dir = tempDir();

    let e = await engine(dir);
    for (const b of small.batches.slice(0, 6)) await sendAll(e, b);
    await learnt(e.api, first.length);
    // what is checked after the restarts can fail: both have history-based recommendations now
    expect(await historyReasons(e.api, erasedFirst!)).not.toEqual([]);
    expect(await historyReasons(e.api, erasedSecond!)).not.toEqual([]);

    // the rest of the stream (with more of the user's events) is sent, the user erased before the
    // engine has learnt it, and the process killed as soon as the erasure is answered
    for (const b of small.batches.slice(6)) await sendAll(e, b);
    expect(await e.api.erase(erasedFirst!)).toBe(204);
    e.process.child.kill('SIGKILL');
    await e.process.exited;

    e = await restart(dir);
    const afterKill = await learnt(e.api, small.events.length - eventsOf(erasedFirst!));
    expect(afterKill.users).toBe(small.users.size - 1);
    expect(await historyReasons(e.api, erasedFirst!)).toEqual([]);
    expect(await historyReasons(e.api, erasedSecond!)).not.toEqual([]);

    expect(await e.api.erase(erasedSecond!)).toBe(204);
    await stopCleanly(e.process);

    e = await restart(dir);
    const afterTerm = await learnt(e.api, afterKill.eventsApplied);
    expect(afterTerm.users).toBe(small.users.size - 2);
    expect(afterTerm.eventsApplied).toBe(afterKill.eventsApplied);
    expect(await historyReasons(e.api, erasedFirst!)).toEqual([]);
    expect(await historyReasons(e.api, erasedSecond!)).toEqual([]);
  }, 150_000);
});
