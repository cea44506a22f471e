import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { processView } from '../helpers/process-view.js';
import { ReadApi } from '../helpers/read-api.js';

const ADMIN_TOKEN = 'erasure-mid-rebalance-admin-token';
const MINUTE = 60_000;
// a pair or transition is shown once two users are behind it: one taken back too many hides it
const env = { ADMIN_TOKEN, MODEL_MIN_SUPPORT_USERS: '2' };
const topics = loadConfig(env).topics;

function trail(userId: string, items: string[], start: number): unknown[] {
  return items.map((itemId, k) => ({ eventId: `${userId}-${items[0]}-${k}`, userId, type: 'view', itemId, timestamp: start + k * MINUTE }));
}

const ids = (similar: Array<{ itemId: string }>): string[] => similar.map((s) => s.itemId);

describe('an erasure while no process holds the user', () => {
  const apps: RunningApp[] = [];
  const gates: Array<() => void> = [];
  afterEach(async () => {
    for (const open of gates.splice(0)) open();
    for (const app of apps.splice(0)) await app.stop();
  });

  /** The next process on `log`, asked to erase erased-e while its reads of `topic` wait (its restore under way). */
  async function erasingWhileHeld(log: MemoryLog, topic: string): Promise<{ app: RunningApp; api: ReadApi }> {
    const held = processView(log, { hold: topic });
    gates.push(held.open);
    const app = await startTestApp(env, { log: held.log, waitForJoin: false });
    apps.push(app);
    const api = new ReadApi(app, ADMIN_TOKEN);
    await held.reached;
    expect(await api.erase('erased-e')).toBe(204);
    held.open();
    return { app, api };
  }

  it('is taken back from the item counts by the process that restores the user, once, and holds after a restart', async () => {
    const log = new MemoryLog({ partitions: 1 });
    const first = await startTestApp(env, { log: processView(log).log });
    apps.push(first);
    const base = Date.now() - 3 * 60 * MINUTE;
    const events = [
      // two people walked secret-a → secret-b → secret-c, one of whom will be erased
      ...trail('erased-e', ['secret-a', 'secret-b', 'secret-c'], base),
      ...trail('other-f', ['secret-a', 'secret-b', 'secret-c'], base + 10 * MINUTE),
      // three walked open-a → open-b → open-c, the erased one among them
      ...trail('erased-e', ['open-a', 'open-b', 'open-c'], base + 20 * MINUTE),
      ...trail('other-g', ['open-a', 'open-b', 'open-c'], base + 30 * MINUTE),
      ...trail('other-h', ['open-a', 'open-b', 'open-c'], base + 40 * MINUTE),
    ];
    expect((await postEvents(first, events)).body.accepted).toBe(events.length);
    const before = await new ReadApi(first, ADMIN_TOKEN).whenApplied(events.length);
    expect(ids(await new ReadApi(first, ADMIN_TOKEN).similar('secret-a'))).toEqual(expect.arrayContaining(['secret-b', 'secret-c']));
    // the process holding everyone stops: its state is in the stores, and nobody holds the users
    await first.stop();
    apps.length = 0;

    // the next process is asked to erase while it is still restoring the partition
    const { app: second, api } = await erasingWhileHeld(log, topics.userState);

    const erased = await waitFor(
      () => api.digest(),
      (d) => d.users === before.users - 1 && d.settled,
      20_000,
    );
    expect(erased.users).toBe(before.users - 1);
    await waitFor(
      () => api.similar('secret-a'),
      (s) => s.length === 0,
      20_000,
    );
    // taken back once: the two walkers left behind open-a are still shown
    expect(ids(await api.similar('open-a'))).toEqual(expect.arrayContaining(['open-b', 'open-c']));
    expect(await api.byLabel('recstream_erasures_total', 'step')).toEqual({ written: 1, applied: 0, applied_on_restore: 1 });
    await second.stop();
    apps.length = 0;

    const third = await startTestApp(env, { log: processView(log).log });
    apps.push(third);
    const again = new ReadApi(third, ADMIN_TOKEN);
    const restarted = await waitFor(
      () => again.digest(),
      (d) => d.settled && d.users > 0,
      20_000,
    );
    expect(restarted.users).toBe(before.users - 1);
    expect(await again.similar('secret-a')).toEqual([]);
    expect(ids(await again.similar('open-a'))).toEqual(expect.arrayContaining(['open-b', 'open-c']));
  });

  it('asked of the process replaying the user’s events, takes back all of them once the replay has them', async () => {
    const log = new MemoryLog({ partitions: 1 });
    let died = false;
    const first = await startTestApp(
      { ...env, STATE_COMMIT_MS: '200' },
      { log: processView(log, { losesState: () => died, lostTopic: topics.userState }).log },
    );
    apps.push(first);
    const firstApi = new ReadApi(first, ADMIN_TOKEN);
    const base = Date.now() - 3 * 60 * MINUTE;
    const stored = [
      ...trail('erased-e', ['secret-a', 'secret-b', 'secret-c'], base),
      ...trail('other-f', ['secret-a', 'secret-b', 'secret-c'], base + 10 * MINUTE),
    ];
    expect((await postEvents(first, stored)).body.accepted).toBe(stored.length);
    await firstApi.whenApplied(stored.length);
    await waitFor(
      () => first.engine.stateWritten(),
      (written) => written,
    );
    // the process dies before its next user-state commit: what follows is in the input, not the store
    died = true;
    const replayed = [
      ...trail('erased-e', ['secret-x', 'secret-y'], base + 20 * MINUTE),
      ...trail('other-f', ['secret-x', 'secret-y'], base + 30 * MINUTE),
    ];
    expect((await postEvents(first, replayed)).body.accepted).toBe(replayed.length);
    const before = await firstApi.whenApplied(stored.length + replayed.length);
    expect(ids(await firstApi.similar('secret-x'))).toContain('secret-y');
    await first.stop();
    apps.length = 0;

    // the next process has the user from the store and is asked to erase while it replays the rest
    const { api } = await erasingWhileHeld(log, topics.clicks);

    await waitFor(
      () => api.digest(),
      (d) => d.users === before.users - 1 && d.settled,
      20_000,
    );
    // the pairs of the stored history and of the replayed events are both taken back
    await waitFor(
      async () => [await api.similar('secret-a'), await api.similar('secret-x')],
      ([a, x]) => a!.length === 0 && x!.length === 0,
      20_000,
    );
    // forgotten once, by the restore, after which the erasure asked meanwhile finds no one to forget
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await api.byLabel('recstream_erasures_total', 'step')).toEqual({ written: 1, applied: 0, applied_on_restore: 1 });
  });
});
