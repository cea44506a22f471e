import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { readRecentLists } from '../../src/engine/recent-lists.js';
import { MemoryLog } from '../../src/log/memory.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { processView } from '../helpers/process-view.js';
import { ReadApi } from '../helpers/read-api.js';

const ADMIN_TOKEN = 'recent-lists-admin-token';
const MINUTE = 60_000;

function clicks(userId: string, items: string[], start: number): unknown[] {
  return items.map((itemId, k) => ({ eventId: `${userId}-${k}`, userId, type: 'click', itemId, timestamp: start + k * MINUTE }));
}

describe('a process joining a running group', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.stop();
  });

  it('answers a user held elsewhere with the list made before it started, and not an erased user’s', async () => {
    // four partitions: the second process holds some of them, the first the others
    const log = new MemoryLog({ partitions: 4 });
    const first = await startTestApp({ ADMIN_TOKEN }, { log: processView(log).log });
    apps.push(first);
    const api = new ReadApi(first, ADMIN_TOKEN);
    const base = Date.now() - 2 * 60 * MINUTE;
    // the item table first, so the two users' lists are made with items
    const shoppers = [
      ...clicks('shopper-a', ['i1', 'i2', 'i3', 'i4'], base),
      ...clicks('shopper-b', ['i1', 'i2', 'i3', 'i5'], base + 10 * MINUTE),
    ];
    expect((await postEvents(first, shoppers)).body.accepted).toBe(shoppers.length);
    await api.whenApplied(shoppers.length);
    const users = [...clicks('kept-u', ['i1', 'i2'], base + 20 * MINUTE), ...clicks('gone-v', ['i1', 'i3'], base + 30 * MINUTE)];
    expect((await postEvents(first, users)).body.accepted).toBe(users.length);
    await api.whenApplied(shoppers.length + users.length);
    const made = await api.recommendations('kept-u', 10);
    expect(made.triggerEventId).toBe('kept-u-1');
    expect(made.items.length).toBeGreaterThan(0);
    const erased = await api.recommendations('gone-v', 10);
    expect(erased.triggerEventId).toBe('gone-v-1');
    expect(await api.erase('gone-v')).toBe(204);

    // started after the lists were made: its fan-out follower begins at the topic's end
    const second = await startTestApp({ ADMIN_TOKEN }, { log: processView(log).log });
    apps.push(second);
    const later = new ReadApi(second, ADMIN_TOKEN);
    const answered = await waitFor(
      () => later.recommendations('kept-u', 10),
      (r) => r.recommendationId === made.recommendationId,
    );
    expect(answered).toEqual({ ...made, userId: 'kept-u' });
    const gone = await later.recommendations('gone-v', 10);
    expect(gone.recommendationId).not.toBe(erased.recommendationId);
    expect(gone.triggerEventId).toBeNull();
  });
});

describe('readRecentLists', () => {
  it('reads nothing from a topic that does not exist', async () => {
    const log = new MemoryLog({ partitions: 4 });
    const seen: string[] = [];
    expect(await readRecentLists(log, 'no-such-topic', 100, (userId) => seen.push(userId))).toBe(0);
    expect(seen).toEqual([]);
    await log.close();
  });
});
