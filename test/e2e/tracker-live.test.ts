import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { demoPlugin } from '../../src/serve/demo.js';
import { mintToken } from '../../src/serve/tokens.js';
import { startTestApp } from '../helpers/app.js';
import { launchChromium, until } from './browser.js';

const SECRET = 'tracker-live-test-secret-0123456789';
const WRITE_KEY = 'wk-storefront';
const TOKEN_TTL_SECONDS = 2;
const webDir = fileURLToPath(new URL('../../web', import.meta.url));
const catalog = ['a', 'b', 'c'].map((id) => ({ itemId: id, name: `Item ${id}`, category: 'things', price: 10 }));

interface LiveWindow {
  recstream: {
    init(options: Record<string, unknown>): unknown;
    productClick(itemId: string): { eventId: string };
    subscribe(options: Record<string, unknown>): { close(): void };
  };
  lists: Array<{ userId: string; triggerEventId: string | null; items: unknown[] }>;
  errors: Array<{ code: string }>;
  statuses: number[];
  batches: string[][];
}
declare const window: LiveWindow;
declare const location: { origin: string; host: string };
declare function fetch(url: string): Promise<{ json(): Promise<{ token: string }> }>;

let app: RunningApp;
let browser: Browser;
let minted = 0;

beforeAll(async () => {
  app = await startTestApp(
    { AUTH_SECRET: SECRET, WRITE_KEYS: WRITE_KEY },
    {
      extend: async (http) => {
        await http.register(demoPlugin, {
          webDir,
          catalog,
          shoppers: [],
          writeKey: WRITE_KEY,
          mintToken: (userId) => {
            minted += 1;
            return mintToken(SECRET, userId, TOKEN_TTL_SECONDS);
          },
        });
      },
    },
  );
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** A page on the recstream origin with only the tracker loaded. */
async function trackerPage(writeKey: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${app.url}/demo/config.json`);
  await page.addScriptTag({ url: '/tracker.js' });
  await page.evaluate((key) => {
    window.lists = [];
    window.errors = [];
    window.statuses = [];
    window.batches = [];
    window.recstream.init({
      endpoint: location.origin,
      writeKey: key,
      userId: 'shopper-live',
      flushInterval: 50,
      onResponse: (s: number, batch: Array<{ itemId: string }>) => {
        window.statuses.push(s);
        window.batches.push(batch.map((e) => e.itemId));
      },
    });
  }, writeKey);
  return page;
}

async function subscribe(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.recstream.subscribe({
      url: `ws://${location.host}/v1/stream`,
      userId: 'shopper-live',
      token: (userId: string) =>
        fetch(`/demo/token?userId=${userId}`)
          .then((r) => r.json())
          .then((b) => b.token),
      onRecommendations: (rec: LiveWindow['lists'][number]) => window.lists.push(rec),
      onError: (err: { code: string }) => window.errors.push(err),
    });
  });
}

describe('tracker.js against a running recstream', () => {
  it('delivers events through the collector with the write key and receives the lists they trigger', async () => {
    const page = await trackerPage(WRITE_KEY);
    await subscribe(page);
    await until(
      () => page.evaluate(() => window.lists.length),
      (n) => n >= 1,
    );
    await page.evaluate(() => window.recstream.productClick('a'));
    const second = await page.evaluate(() => window.recstream.productClick('b').eventId);
    const lists = await until(
      () => page.evaluate(() => window.lists),
      (l) => l.some((x) => x.triggerEventId === second),
    );
    expect(lists.every((l) => l.userId === 'shopper-live')).toBe(true);
    expect(await page.evaluate(() => window.statuses)).toContain(202);
    expect(await page.evaluate(() => window.errors)).toEqual([]);
    await page.close();
  });

  it('gets 401 for a wrong write key and does not retry it', async () => {
    const page = await trackerPage('not-a-key');
    await page.evaluate(() => window.recstream.productClick('c'));
    await until(
      () => page.evaluate(() => window.statuses.length),
      (n) => n === 1,
    );
    await page.evaluate(() => window.recstream.productClick('b'));
    await until(
      () => page.evaluate(() => window.statuses.length),
      (n) => n === 2,
    );
    expect(await page.evaluate(() => window.statuses)).toEqual([401, 401]);
    expect(await page.evaluate(() => window.batches)).toEqual([['c'], ['b']]);
    await page.close();
  });

  it('keeps a subscription alive across token expiry by minting a fresh token', async () => {
    const page = await trackerPage(WRITE_KEY);
    const before = minted;
    await subscribe(page);
    await until(
      () => page.evaluate(() => window.lists.length),
      (n) => n >= 1,
    );
    // Let the token run out; the next list for the user makes the gateway answer token-expired.
    await new Promise((resolve) => setTimeout(resolve, TOKEN_TTL_SECONDS * 1000 + 200));
    const eventId = await page.evaluate(() => window.recstream.productClick('c').eventId);
    await until(
      () => page.evaluate(() => window.lists),
      (l) => l.some((x) => x.triggerEventId === eventId),
    );
    expect(minted - before).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => window.errors)).toEqual([]);
    await page.close();
  });
});
