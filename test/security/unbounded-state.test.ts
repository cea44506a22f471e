import v8 from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { heapAfterGc } from '../../src/bench/memory.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';

/**
 * A client posting events with ever new user and item ids must not grow the engine's memory without
 * end: the model holds at most MODEL_MAX_USERS users and MODEL_MAX_ITEMS items (the least recently
 * active go), idle items are forgotten like idle users, and when the heap nears its limit anyway the
 * collector answers 503 with Retry-After instead of taking events it cannot hold.
 */

interface Digest {
  users: number;
  items: number;
  eventsApplied: number;
  settled: boolean;
}
interface List {
  triggerEventId: string | null;
  items: Array<{ itemId: string; reasons: string[] }>;
}

let sequence = 0;
function view(
  userId: string,
  itemId: string,
  timestamp = Date.now(),
): { eventId: string; userId: string; itemId: string; type: string; timestamp: number } {
  sequence += 1;
  return { eventId: `unbounded-${process.pid}-${sequence}`, userId, itemId, type: 'view', timestamp };
}

async function getJson<T>(app: RunningApp, path: string): Promise<T> {
  const res = await fetch(`${app.url}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

const digest = (app: RunningApp): Promise<Digest> => getJson<Digest>(app, '/v1/admin/digest');
const similar = async (app: RunningApp, itemId: string): Promise<string[]> =>
  (await getJson<{ neighbors: Array<{ itemId: string }> }>(app, `/v1/items/${itemId}/similar?limit=50`)).neighbors.map((n) => n.itemId);

async function postAll(app: RunningApp, events: unknown[]): Promise<void> {
  for (let at = 0; at < events.length; at += 500) {
    const chunk = events.slice(at, at + 500);
    const res = await postEvents(app, chunk);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(chunk.length);
  }
}

async function appliedAtLeast(app: RunningApp, events: number): Promise<Digest> {
  return waitFor(
    () => digest(app),
    (d) => d.eventsApplied >= events && d.settled,
    60_000,
    50,
  );
}

/** The user's list once it answers the given event. */
async function listAfter(app: RunningApp, userId: string, eventId: string): Promise<List> {
  return waitFor(
    () => getJson<List>(app, `/v1/users/${userId}/recommendations`),
    (l) => l.triggerEventId === eventId,
    20_000,
    50,
  );
}

async function metric(app: RunningApp, line: RegExp): Promise<number | null> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const found = text.split('\n').find((l) => line.test(l));
  return found === undefined ? null : Number(found.split(' ').at(-1));
}

describe('security: model state is bounded by MODEL_MAX_USERS and MODEL_MAX_ITEMS', () => {
  const maxUsers = 500;
  const maxItems = 200;
  let app: RunningApp;
  // one partition: the log order is the order the model applies events in, so "least recent" is exact;
  // pairs of one user are shown (MODEL_MIN_SUPPORT_USERS=1): the point is the caps, not the threshold
  beforeAll(async () => {
    app = await startTestApp({
      MODEL_MAX_USERS: String(maxUsers),
      MODEL_MAX_ITEMS: String(maxItems),
      PARTITIONS: '1',
      MODEL_MIN_SUPPORT_USERS: '1',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('holds no more users and items than the caps under a flood of new ids, keeps the recently active and serves lists', async () => {
    await postAll(app, [view('early', 'phone'), view('early', 'old-a'), view('early', 'old-b')]);
    await appliedAtLeast(app, 3);
    expect(await similar(app, 'old-a')).toContain('old-b');

    // every event a new user and a new item, while real shoppers keep phone and case active
    const flood: unknown[] = [];
    for (let k = 0; k < 3000; k++) {
      flood.push(view(`flood-user-${k}`, `flood-item-${k}`));
      if (k % 100 === 0) flood.push(view(`shopper-${k}`, 'phone'), view(`shopper-${k}`, 'case'));
    }
    await postAll(app, flood);
    const after = await appliedAtLeast(app, 3 + flood.length);
    expect(after.eventsApplied).toBe(3 + flood.length);
    expect(after.users).toBeLessThanOrEqual(maxUsers);
    expect(after.items).toBeLessThanOrEqual(maxItems);
    expect(after.users).toBeGreaterThan(maxUsers / 2);

    // the least recently active item is gone everywhere, the recently active pair is intact
    expect(await similar(app, 'old-a')).toEqual([]);
    expect(await similar(app, 'phone')).not.toContain('old-a');
    expect(await similar(app, 'phone')).toContain('case');

    // a user active after the flood is remembered; the user from before it is not
    await postAll(app, [
      view('late', 'phone'),
      view('lamp-fan-1', 'lamp'),
      view('lamp-fan-1', 'shade'),
      view('lamp-fan-2', 'lamp'),
      view('lamp-fan-2', 'shade'),
    ]);
    // lists are built from the global table: the lamp's row is published before the lists asked for
    await appliedAtLeast(app, 3 + flood.length + 5);
    const lateLamp = view('late', 'lamp');
    const earlyLamp = view('early', 'lamp');
    await postAll(app, [lateLamp, earlyLamp]);
    const late = await listAfter(app, 'late', lateLamp.eventId);
    const early = await listAfter(app, 'early', earlyLamp.eventId);
    expect(late.items.find((i) => i.itemId === 'case')?.reasons).toContain('co-viewed:phone');
    expect(early.items.length).toBeGreaterThan(0);
    expect(early.items.flatMap((i) => i.reasons)).not.toContain('co-viewed:phone');
    expect(early.items.find((i) => i.itemId === 'shade')?.reasons).toContain('co-viewed:lamp');

    const final = await digest(app);
    expect(final.users).toBeLessThanOrEqual(maxUsers);
    expect(final.items).toBeLessThanOrEqual(maxItems);
    const forgottenUsers = await waitFor(
      () => metric(app, /^recstream_model_forgotten_total\{state="user",cause="cap"\}/),
      (v) => v !== null && v > 0,
      15_000,
      200,
    );
    expect(forgottenUsers).toBeGreaterThanOrEqual(3000 - maxUsers);
  });
});

describe('security: items nobody touched for MODEL_ITEM_IDLE_DAYS are forgotten', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ MODEL_ITEM_IDLE_DAYS: '1', PARTITIONS: '1', MODEL_MIN_SUPPORT_USERS: '1' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('drops an item idle past the limit on the engine timer, with its neighbours, and keeps the active ones', async () => {
    const old = Date.now() - 3 * 86_400_000;
    await postAll(app, [view('old-user', 'stale', old), view('old-user', 'both', old + 1)]);
    await appliedAtLeast(app, 2);
    expect(await similar(app, 'both')).toEqual(['stale']);

    await postAll(app, [view('new-user', 'both'), view('new-user', 'fresh')]);
    await appliedAtLeast(app, 4);
    // the engine's refresh timer expires by the newest event time, now 3 days after `stale` was seen
    await waitFor(
      () => similar(app, 'both'),
      (n) => !n.includes('stale'),
      20_000,
      100,
    );
    expect(await similar(app, 'both')).toEqual(['fresh']);
    expect(await similar(app, 'stale')).toEqual([]);
    expect((await digest(app)).items).toBe(2);
    expect(await metric(app, /^recstream_model_forgotten_total\{state="item",cause="idle"\}/)).toBe(1);
  });
});

describe('security: the collector sheds load before the heap runs out', () => {
  const MIB = 1024 * 1024;
  let app: RunningApp | null = null;
  // biome-ignore lint/correctness/noUnusedVariables: only written: it holds real heap until it is dropped
  let ballast: number[][] | null = null;
  afterEach(async () => {
    ballast = null;
    await app?.stop();
  });

  it('answers 503 with Retry-After above HEAP_SHED_RATIO, says so in /readyz and metrics, and takes events again once the heap is back under', async () => {
    // The threshold sits 256 MiB above the heap in use now; 512 MiB of real on-heap arrays cross it
    // and dropping them brings the heap back under: real pressure, without filling the whole heap.
    const heap = v8.getHeapStatistics();
    const ratio = (heapAfterGc() + 256 * MIB) / heap.heap_size_limit;
    app = await startTestApp({ HEAP_SHED_RATIO: ratio.toFixed(4), PARTITIONS: '1' });
    const running = app;

    const before = view('before', 'x');
    expect((await postEvents(running, [before])).status).toBe(202);
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);

    ballast = Array.from({ length: 64 }, () => new Array<number>(MIB).fill(0.5));
    const notReady = await waitFor(
      async () => {
        const res = await fetch(`${running.url}/readyz`);
        return { status: res.status, body: (await res.json()) as { reason?: string } };
      },
      (r) => r.status === 503,
      20_000,
      100,
    );
    expect(notReady.body.reason).toMatch(/HEAP_SHED_RATIO/);
    expect(await metric(running, /^recstream_load_shedding /)).toBe(1);

    const refused = view('refused', 'y');
    const res = await fetch(`${running.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([refused]),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/retry/), code: 'RS_OVERLOADED' });
    expect(await metric(running, /^recstream_collector_requests_total\{status="503"\}/)).toBeGreaterThanOrEqual(1);

    ballast = null;
    heapAfterGc();
    await waitFor(
      async () => (await fetch(`${running.url}/readyz`)).status,
      (s) => s === 200,
      20_000,
      100,
    );
    expect(await metric(running, /^recstream_load_shedding /)).toBe(0);
    const afterward = view('afterward', 'y');
    expect(await postEvents(running, [afterward])).toMatchObject({ status: 202, body: { accepted: 1 } });

    // one partition: `afterward` applied means everything appended before it was applied too
    const state = await appliedAtLeast(running, 2);
    expect(state).toMatchObject({ eventsApplied: 2, users: 2 });
    // the refused event was not taken: the client's retry is applied once
    expect(await postEvents(running, [refused])).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await appliedAtLeast(running, 3)).toMatchObject({ eventsApplied: 3, users: 3 });
  });
});
