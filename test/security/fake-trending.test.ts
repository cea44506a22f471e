import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { postEvents, startTestApp } from '../helpers/app.js';
import { ReadApi } from '../helpers/read-api.js';

const ADMIN_TOKEN = 'fake-trending-admin-token';
const MINUTE = 60_000;

function views(userId: string, itemId: string, count: number, start: number, tag = itemId): unknown[] {
  return Array.from({ length: count }, (_, k) => ({
    eventId: `${userId}-${tag}-${k}`,
    userId,
    type: 'view',
    itemId,
    timestamp: start + k * 10,
  }));
}

describe('repeating an event does not buy influence', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop();
  });

  it('1,000 views of one item from one user do not make it trend above an item three people viewed', async () => {
    const app = await startTestApp({ ADMIN_TOKEN });
    apps.push(app);
    const api = new ReadApi(app, ADMIN_TOKEN);
    const base = Date.now() - 60 * MINUTE;
    const genuine = ['fan-1', 'fan-2', 'fan-3'].flatMap((u, k) => views(u, 'genuine-hit', 1, base + k * MINUTE));
    const pushed = views('pusher', 'pushed-item', 1000, base + 10 * MINUTE);
    expect((await postEvents(app, genuine)).body.accepted).toBe(3);
    expect((await postEvents(app, pushed)).body.accepted).toBe(1000);
    await api.whenApplied(1003);

    const forNewcomer = (await api.recommendations('newcomer')).items.map((i) => i.itemId);
    expect(forNewcomer[0]).toBe('genuine-hit');
    expect(forNewcomer.indexOf('pushed-item')).toBeGreaterThan(forNewcomer.indexOf('genuine-hit'));
  });

  it('500 repeated views per account do not make an item the nearest neighbour of what they viewed', async () => {
    const app = await startTestApp({ ADMIN_TOKEN });
    apps.push(app);
    const api = new ReadApi(app, ADMIN_TOKEN);
    const base = Date.now() - 60 * MINUTE;
    // three shoppers looked at the camera and then its lens
    const shoppers = ['buyer-1', 'buyer-2', 'buyer-3'].flatMap((u, k) => [
      ...views(u, 'camera', 1, base + k * MINUTE),
      ...views(u, 'camera-lens', 1, base + k * MINUTE + 1000),
    ]);
    // two accounts hammer the camera, then look at the item they want promoted next to it
    const promoters = ['promoter-1', 'promoter-2'].map((u, k) => [
      ...views(u, 'camera', 500, base + (10 + k) * MINUTE),
      ...views(u, 'promoted-junk', 1, base + (10 + k) * MINUTE + 30_000),
    ]);
    expect((await postEvents(app, shoppers)).body.accepted).toBe(shoppers.length);
    for (const batch of promoters) expect((await postEvents(app, batch)).body.accepted).toBe(batch.length);
    await api.whenApplied(shoppers.length + 2 * 501);

    const neighbours = (await api.similar('camera')).map((s) => s.itemId);
    expect(neighbours[0]).toBe('camera-lens');
  });
});
