import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, until } from './browser.js';

/** The brief for the storefront: a click shows up in the recommendation panel within a second. */
const PANEL_UPDATE_MS = 1_000;

let browser: Browser;
let demo: { url: string; stop(): Promise<void> } | null = null;
let baseUrl: string;

beforeAll(async () => {
  // DEMO_URL runs this test against an already running `recstream demo`.
  if (process.env.DEMO_URL) {
    baseUrl = process.env.DEMO_URL.replace(/\/+$/, '');
  } else {
    const { startDemo } = await import('../../src/demo.js');
    const started = await startDemo({ port: 0, host: '127.0.0.1', shoppersPerSecond: 0, env: { LOG_LEVEL: 'silent' } });
    demo = started;
    baseUrl = started.url;
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function reasonsText(page: Page): Promise<string[]> {
  return page.locator('#recs .reason').allTextContents();
}

describe('demo storefront in a real browser', () => {
  it('learns from three clicks and shows recommendations explained by the clicked products', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // The page runs under the server's Content-Security-Policy; a violation is only a console error.
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${baseUrl}/`);
    await page.waitForSelector('body[data-ready]');

    // A known shopper (not the "new visitor" the page adds at the end).
    const shoppers = await page
      .locator('#shopper option')
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(shoppers.length).toBeGreaterThan(1);
    const shopper = shoppers[Math.min(1, shoppers.length - 2)]!;
    await page.selectOption('#shopper', shopper);
    await page.waitForSelector('#connection.status-open');
    await page.waitForSelector(`#recs[data-user-id="${shopper}"], #recs-empty:not([hidden])`);

    const category = await page.locator('section.category').evaluateAll((sections) => {
      const full = sections.find(
        (s) => (s as unknown as { querySelectorAll(q: string): { length: number } }).querySelectorAll('.product').length >= 3,
      );
      return full ? (full as unknown as { dataset: { category: string } }).dataset.category : null;
    });
    expect(category).not.toBeNull();
    const cards = page.locator(`section.category[data-category="${category}"] .product`);
    const clicked: string[] = [];
    for (let i = 0; i < 3; i++) {
      const card = cards.nth(i);
      clicked.push((await card.locator('.product-name').textContent())!.trim());
      await card.locator('.product-name').click();
    }

    // Every clicked product is named by some reason ("because you viewed …") in the live panel.
    const reasons = await until(
      () => reasonsText(page),
      (texts) => clicked.every((name) => texts.some((t) => t.includes(name))),
      PANEL_UPDATE_MS,
    );
    expect(reasons.some((t) => t.startsWith('because you viewed'))).toBe(true);
    expect(await page.locator('#recs').getAttribute('data-user-id')).toBe(shopper);
    expect(await page.locator('#recs').getAttribute('data-recommendation-id')).toBeTruthy();
    const ticker = await page.locator('#ticker').textContent();
    // The ticker keeps the last few lines only; the latest click is among them.
    expect(ticker).toContain(`clicked ${clicked[2]}`);

    const engineList = (await (await fetch(`${baseUrl}/v1/users/${encodeURIComponent(shopper)}/recommendations`)).json()) as {
      items: Array<{ reasons: string[] }>;
    };
    expect(engineList.items.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);

    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/storefront.png', animations: 'disabled' });
    await page.close();
  }, 60_000);
});
