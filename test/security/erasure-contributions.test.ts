import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { postEvents, startTestApp, tempDir } from '../helpers/app.js';
import { ReadApi } from '../helpers/read-api.js';

const ADMIN_TOKEN = 'erasure-test-admin-token';
const MINUTE = 60_000;

/** One user's page views, a minute apart (one session, so each step is a followed-by transition). */
function trail(userId: string, items: string[], start: number): unknown[] {
  return items.map((itemId, k) => ({ eventId: `${userId}-${k}`, userId, type: 'view', itemId, timestamp: start + k * MINUTE }));
}

/** Reasons that name an item of the user's own history as the source of a recommendation. */
function reasonsFrom(rec: { items: Array<{ itemId: string; reasons: string[] }> }, itemId: string): string[] {
  return rec.items.flatMap((i) =>
    i.reasons.filter((r) => r === `co-viewed:${itemId}` || r === `bought-together:${itemId}`).map((r) => `${i.itemId} ${r}`),
  );
}

describe('erasing a user takes back what their trail taught the model', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop();
  });

  it('after DELETE, a new visitor of the same item is not led along the erased trail, and replay agrees', async () => {
    const dir = tempDir();
    const first = await startTestApp({ ADMIN_TOKEN, DATA_DIR: dir });
    apps.push(first);
    const api = new ReadApi(first, ADMIN_TOKEN);
    const base = Date.now() - 3 * 60 * MINUTE;
    const events = [
      // two other shoppers made the item "everyday" popular a little earlier
      ...trail('shopper-g', ['everyday'], base),
      ...trail('shopper-h', ['everyday'], base + MINUTE),
      // two people walked secret-a → secret-b → secret-c
      ...trail('erased-e', ['secret-a', 'secret-b', 'secret-c'], base + 20 * MINUTE),
      ...trail('other-f', ['secret-a', 'secret-b', 'secret-c'], base + 30 * MINUTE),
    ];
    expect((await postEvents(first, events)).body.accepted).toBe(events.length);
    await api.whenApplied(events.length);
    // the visitor's list is made when their event is applied: only after everything above
    events.push(...trail('visitor-n', ['secret-a'], base + 40 * MINUTE));
    expect((await postEvents(first, events.slice(-1))).body.accepted).toBe(1);
    await api.whenApplied(events.length);

    // two users behind the trail: it is shared behaviour, and recommended as such
    const before = await api.recommendations('visitor-n');
    expect(reasonsFrom(before, 'secret-a')).toEqual(expect.arrayContaining(['secret-b co-viewed:secret-a', 'secret-c co-viewed:secret-a']));
    expect((await api.similar('secret-a')).map((s) => s.itemId)).toEqual(expect.arrayContaining(['secret-b', 'secret-c']));

    expect(await api.erase('erased-e')).toBe(204);
    expect(await api.byLabel('recstream_erasures_total', 'step')).toEqual({ written: 1, applied: 1, applied_on_restore: 0 });

    const later = trail('visitor-n2', ['secret-a'], base + 50 * MINUTE);
    expect((await postEvents(first, later)).body.accepted).toBe(1);
    await api.whenApplied(events.length + 1);
    // only other-f is left behind secret-a → secret-b → secret-c: one person's trail is never retold
    const after = await api.recommendations('visitor-n2');
    expect(reasonsFrom(after, 'secret-a')).toEqual([]);
    expect(await api.similar('secret-a')).toEqual([]);
    // nor does the erased user's viewing still count for trending: "everyday" (2 users) now leads
    // secret-b and secret-c (1 user each), though their views were the more recent ones
    const stranger = (await api.recommendations('stranger')).items.map((i) => i.itemId);
    expect(stranger.indexOf('everyday')).toBeGreaterThanOrEqual(0);
    for (const id of ['secret-b', 'secret-c']) {
      expect(
        stranger.indexOf(id) === -1 || stranger.indexOf(id) > stranger.indexOf('everyday'),
        `${id} ranks after everyday in ${stranger.join(',')}`,
      ).toBe(true);
    }
    const live = await api.digest();
    await first.stop();

    // a restart replays the log without the erased user's events: the state must be the same
    const second = await startTestApp({ ADMIN_TOKEN, DATA_DIR: dir });
    apps.push(second);
    const replayed = await new ReadApi(second, ADMIN_TOKEN).whenApplied(events.length + 1 - 3);
    expect({ users: replayed.users, items: replayed.items, stateHash: replayed.stateHash }).toEqual({
      users: live.users,
      items: live.items,
      stateHash: live.stateHash,
    });
  });

  it("one person's trail alone names no reason and no similar item", async () => {
    const app = await startTestApp({ ADMIN_TOKEN });
    apps.push(app);
    const api = new ReadApi(app, ADMIN_TOKEN);
    const base = Date.now() - 60 * MINUTE;
    const events = trail('lonely-s', ['private-p', 'private-q', 'private-r'], base);
    expect((await postEvents(app, events)).body.accepted).toBe(events.length);
    await api.whenApplied(events.length);
    expect((await postEvents(app, trail('visitor-m', ['private-p'], base + 10 * MINUTE))).body.accepted).toBe(1);
    await api.whenApplied(events.length + 1);
    expect(reasonsFrom(await api.recommendations('visitor-m'), 'private-p')).toEqual([]);
    expect(await api.similar('private-p')).toEqual([]);
    expect(await api.similar('private-q')).toEqual([]);
  });
});
