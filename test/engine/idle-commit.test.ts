import { afterAll, describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/eval/generate.js';
import { collectorJson } from '../../src/events/collector-json.js';
import type { TrackingEvent } from '../../src/events/types.js';
import { tempDir } from '../helpers/app.js';
import { spawnEngine, waitReady } from '../helpers/engine-process.js';
import { ReadApi } from '../helpers/read-api.js';

/**
 * State stores are written on their interval whether or not input comes: a burst followed by quiet is
 * durable a STATE_COMMIT_MS later, so a process killed then restores it without replaying any input.
 */

const ADMIN_TOKEN = 'idle-commit-admin-token-0123456789';
/** Long enough that the second batch comes well inside the interval its first commit started. */
const STATE_COMMIT_MS = 3000;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function post(url: string, events: readonly TrackingEvent[]): Promise<void> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events.map(collectorJson)),
  });
  expect(res.status).toBe(202);
}

/** The `replayed` count of each "partition restored" line of a process's log, by store. */
function replayedByStore(output: string): { user: number[]; item: number[] } {
  const out = { user: [] as number[], item: [] as number[] };
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes('partition restored')) continue;
    const j = JSON.parse(line) as { msg: string; replayed: number };
    (j.msg.startsWith('user') ? out.user : out.item).push(j.replayed);
  }
  return out;
}

describe('state commits when the input goes quiet', () => {
  it('a burst followed by quiet is in the state stores within the interval: killed then, the restart replays nothing', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, STATE_COMMIT_MS: String(STATE_COMMIT_MS), ADMIN_TOKEN, PARTITIONS: '2' };
    const first = await spawnEngine(env, 60_000);
    cleanups.push(() => first.stop('SIGKILL'));
    await waitReady(first.url, 60_000);
    const api = new ReadApi(first, ADMIN_TOKEN);
    const events = [
      ...generateEvents({ seed: 'idle-commit', users: 200, items: 80, events: 1200, start: Date.now() - 3_600_000, meanGapMs: 2000 }),
    ];

    // the first batch is written at once (nothing was before); the second comes inside the interval
    await post(first.url, events.slice(0, 600));
    await api.whenApplied(600);
    const committed = Date.now();
    await post(first.url, events.slice(600));
    await api.whenApplied(events.length);
    expect(Date.now() - committed).toBeLessThan(STATE_COMMIT_MS);
    const learnt = await api.digest();

    // no input from here on: the commit the second batch is waiting for must come by itself
    await new Promise((r) => setTimeout(r, 2.5 * STATE_COMMIT_MS));
    await first.stop('SIGKILL');

    const second = await spawnEngine(env, 60_000);
    cleanups.push(() => second.stop('SIGKILL'));
    await waitReady(second.url, 60_000);
    const restored = await new ReadApi(second, ADMIN_TOKEN).whenApplied(events.length);
    const replayed = replayedByStore(second.output());
    expect(replayed.user.length).toBe(2);
    expect(replayed.item.length).toBe(2);
    expect({ user: replayed.user, item: replayed.item }).toEqual({ user: [0, 0], item: [0, 0] });
    expect(restored.eventsApplied).toBe(learnt.eventsApplied);
    expect(restored.stateHash).toBe(learnt.stateHash);
  }, 120_000);
});
