import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, until } from './browser.js';
import { CollectorRecorder } from './collector-recorder.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface TrackerWindow {
  recstream: {
    init(options: Record<string, unknown>): unknown;
    track(type: string, props?: Record<string, unknown>): Record<string, unknown>;
    pageView(itemId?: string, props?: Record<string, unknown>): Record<string, unknown> | null;
    productClick(itemId: string, props?: Record<string, unknown>): Record<string, unknown>;
    addToCart(itemId: string, props?: Record<string, unknown>): Record<string, unknown>;
    purchase(order: Record<string, unknown>): Record<string, unknown>;
    flush(): Promise<void>;
    subscribe(options: Record<string, unknown>): { close(): void };
  };
  received: unknown[];
  statuses: string[];
  errors: unknown[];
  subscription: { close(): void };
}
// The test project has no DOM typings; these are the browser globals the page functions touch.
declare const window: TrackerWindow;
declare const location: { origin: string };
declare const sessionStorage: { setItem(key: string, value: string): void };
declare const Crypto: { prototype: object };

let browser: Browser;
let collector: CollectorRecorder;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  collector = new CollectorRecorder();
  await collector.start();
  page = await browser.newPage();
});
afterEach(async () => {
  await page?.close();
  await collector?.stop();
});

async function open(body = '', init: Record<string, unknown> = {}): Promise<void> {
  collector.pageBody = body;
  await page.goto(collector.url);
  await page.evaluate((options) => {
    window.recstream.init({ endpoint: location.origin, userId: 'u1', flushInterval: 50, maxBackoff: 400, ...options });
  }, init);
}

describe('tracker.js batching and wire format', () => {
  it('sends events queued together as one text/plain batch with ids, session, write key and event time', async () => {
    await open('', { writeKey: 'wk 1' });
    const before = Date.now();
    await page.evaluate(() => {
      window.recstream.productClick('a', { recommendationId: 'rec-1' });
      window.recstream.addToCart('b', { price: 3.5 });
      window.recstream.pageView('c');
      window.recstream.purchase({ orderId: 'o-1', currency: 'EUR', items: [{ itemId: 'b', quantity: 2, price: 3.5 }] });
    });
    await until(
      () => collector.delivered.length,
      (n) => n === 4,
    );
    expect(collector.batches).toHaveLength(1);
    const [batch] = collector.batches;
    expect(batch!.url.searchParams.get('writeKey')).toBe('wk 1');
    expect(batch!.contentType).toContain('text/plain');
    const events = batch!.events;
    expect(events.map((e) => [e.type, e.itemId ?? null])).toEqual([
      ['click', 'a'],
      ['add_to_cart', 'b'],
      ['view', 'c'],
      ['purchase', null],
    ]);
    expect(events[0]!.recommendationId).toBe('rec-1');
    expect(events[1]!.price).toBe(3.5);
    expect(events[3]).toMatchObject({ orderId: 'o-1', currency: 'EUR', items: [{ itemId: 'b', quantity: 2, price: 3.5 }] });
    for (const e of events) {
      expect(e.eventId).toMatch(UUID_V4);
      expect(e.userId).toBe('u1');
      expect(e.timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(e.sessionId).toBe(events[0]!.sessionId);
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(4);
  });

  it('flushes as soon as a batch is full and keeps order across batches', async () => {
    await open('', { batchSize: 2, flushInterval: 60_000 });
    await page.evaluate(() => {
      for (const id of ['a', 'b', 'c', 'd', 'e']) window.recstream.productClick(id);
    });
    // The fifth event waits for the next flush; the first four must not.
    await until(
      () => collector.delivered.length,
      (n) => n >= 4,
    );
    expect(collector.batches.every((b) => b.events.length <= 2)).toBe(true);
    expect(collector.delivered.slice(0, 4).map((e) => e.itemId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('creates UUIDs without crypto.randomUUID', async () => {
    await page.addInitScript(() => {
      Object.defineProperty(Crypto.prototype, 'randomUUID', { value: undefined });
    });
    await open();
    await page.evaluate(() => {
      window.recstream.productClick('a');
      window.recstream.productClick('b');
    });
    const events = await until(
      () => collector.delivered,
      (d) => d.length === 2,
    );
    expect(events[0]!.eventId).toMatch(UUID_V4);
    expect(events[0]!.eventId).not.toBe(events[1]!.eventId);
  });

  it('keeps the session within 30 idle minutes and starts a new one after', async () => {
    await open();
    await page.evaluate(() => {
      sessionStorage.setItem('recstream.session', JSON.stringify({ id: 'recent', last: Date.now() - 60_000 }));
      window.recstream.productClick('a');
      sessionStorage.setItem('recstream.session', JSON.stringify({ id: 'stale', last: Date.now() - 31 * 60_000 }));
      window.recstream.productClick('b');
    });
    const events = await until(
      () => collector.delivered,
      (d) => d.length === 2,
    );
    expect(events[0]!.sessionId).toBe('recent');
    expect(events[1]!.sessionId).not.toBe('stale');
    expect(events[1]!.sessionId).toMatch(UUID_V4);
  });
});

describe('tracker.js delivery under failure', () => {
  it('retries the same events after 5xx answers and dropped connections, then stops', async () => {
    collector.answers = [503, 'drop', 500];
    await open();
    await page.evaluate(() => {
      window.recstream.productClick('a');
      window.recstream.productClick('b');
    });
    await until(
      () => collector.delivered.length,
      (n) => n === 2,
    );
    expect(collector.batches.map((b) => b.status)).toEqual([503, 0, 500, 202]);
    const ids = collector.batches.map((b) => b.events.map((e) => e.eventId).join());
    expect(new Set(ids).size).toBe(1);
    await page.evaluate(() => window.recstream.flush());
    expect(collector.batches).toHaveLength(4);
  });

  it('does not resend a batch the collector refused as invalid', async () => {
    collector.answers = [400];
    await open();
    await page.evaluate(() => window.recstream.productClick('bad'));
    await until(
      () => collector.batches.length,
      (n) => n === 1,
    );
    await page.evaluate(() => window.recstream.productClick('good'));
    await until(
      () => collector.delivered.length,
      (n) => n === 1,
    );
    expect(collector.batches.map((b) => b.events.map((e) => e.itemId))).toEqual([['bad'], ['good']]);
  });

  it('bounds the queue during an outage, keeping the newest events', async () => {
    collector.answers = Array.from({ length: 1000 }, () => 503);
    await open('', { maxQueue: 3 });
    await page.evaluate(() => {
      window.recstream.productClick('e1');
      window.recstream.productClick('e2');
    });
    await until(
      () => collector.batches.length,
      (n) => n >= 1,
    );
    await page.evaluate(() => {
      for (const id of ['e3', 'e4', 'e5']) window.recstream.productClick(id);
    });
    // Once a failed request carried e5, no older request can still be waiting for an answer.
    await until(() => collector.batches.some((b) => b.events.some((e) => e.itemId === 'e5')), Boolean);
    collector.answers = [];
    const delivered = await until(
      () => collector.delivered,
      (d) => d.length >= 3,
    );
    expect(delivered.map((e) => e.itemId)).toEqual(['e3', 'e4', 'e5']);
  });

  it('sends what is queued with sendBeacon when the page goes away', async () => {
    await open('', { flushInterval: 60_000 });
    await page.evaluate(() => {
      window.recstream.productClick('a');
      window.recstream.addToCart('a');
    });
    expect(collector.batches).toHaveLength(0);
    await page.goto(`${collector.url}/elsewhere`);
    const delivered = await until(
      () => collector.delivered,
      (d) => d.length === 2,
    );
    expect(delivered.map((e) => e.type)).toEqual(['click', 'add_to_cart']);
    expect(collector.batches[0]!.contentType).toContain('text/plain');
  });
});

describe('tracker.js click capture', () => {
  const body = `
    <ol data-recommendation-id="rec-9"><li data-item-id="x" data-price="12.5"><span id="rec-x">X</span></li></ol>
    <div data-item-id="y"><h3 id="name-y">Y</h3><button id="add-y" data-recstream-type="add_to_cart">add</button></div>
    <p id="plain">no item here</p>`;

  it('captures clicks on items, attributes them to the recommendation list and honours the event type', async () => {
    await open(body, { autoCapture: true });
    await page.click('#rec-x');
    await page.click('#name-y');
    await page.click('#add-y');
    await page.click('#plain');
    const events = await until(
      () => collector.delivered,
      (d) => d.length >= 3,
    );
    expect(events.map((e) => [e.type, e.itemId, e.recommendationId ?? null])).toEqual([
      ['click', 'x', 'rec-9'],
      ['click', 'y', null],
      ['add_to_cart', 'y', null],
    ]);
    expect(events[0]!.price).toBe(12.5);
  });

  it('captures nothing unless asked to', async () => {
    await open(body);
    await page.click('#rec-x');
    await page.evaluate(() => window.recstream.productClick('explicit'));
    await until(
      () => collector.delivered.length,
      (n) => n >= 1,
    );
    expect(collector.delivered.map((e) => e.itemId)).toEqual(['explicit']);
  });
});

describe('tracker.js subscribe', () => {
  it('subscribes with the token, delivers lists and resubscribes after the connection drops', async () => {
    collector.onWsMessage = (socket, message) => {
      if (message.op !== 'subscribe') return;
      socket.send(
        JSON.stringify({ op: 'recommendations', userId: message.userId, recommendationId: `r${collector.wsMessages.length}`, items: [] }),
      );
    };
    await open();
    await page.evaluate(() => {
      window.received = [];
      window.statuses = [];
      window.subscription = window.recstream.subscribe({
        url: `${location.origin.replace('http', 'ws')}/v1/stream`,
        userId: 'u1',
        token: (userId: string) => Promise.resolve(`token-for-${userId}`),
        onRecommendations: (rec: unknown) => window.received.push(rec),
        onStatus: (s: string) => window.statuses.push(s),
      });
    });
    await until(
      () => page.evaluate(() => window.received.length),
      (n) => n === 1,
    );
    expect(collector.wsMessages).toEqual([{ op: 'subscribe', userId: 'u1', token: 'token-for-u1' }]);

    for (const socket of collector.sockets) socket.terminate();
    await until(
      () => page.evaluate(() => window.received.length),
      (n) => n === 2,
    );
    expect(collector.wsMessages).toHaveLength(2);
    expect(await page.evaluate(() => window.statuses)).toEqual(['open', 'reconnecting', 'open']);

    await page.evaluate(() => window.subscription.close());
    await until(
      () => collector.sockets.size,
      (n) => n === 0,
    );
  });

  it('asks for a fresh token when the gateway says it expired, and reports other errors', async () => {
    let subscribes = 0;
    collector.onWsMessage = (socket, message) => {
      subscribes += 1;
      if (subscribes === 1) socket.send(JSON.stringify({ op: 'error', code: 'token-expired', message: 'expired' }));
      else socket.send(JSON.stringify({ op: 'error', code: 'forbidden', message: `no access to ${String(message.userId)}` }));
    };
    await open();
    await page.evaluate(() => {
      window.errors = [];
      let minted = 0;
      window.subscription = window.recstream.subscribe({
        url: `${location.origin.replace('http', 'ws')}/v1/stream`,
        userId: 'u1',
        token: () => `t${++minted}`,
        onError: (e: unknown) => window.errors.push(e),
      });
    });
    const errors = await until(
      () => page.evaluate(() => window.errors),
      (e) => e.length === 1,
    );
    expect(errors).toEqual([{ op: 'error', code: 'forbidden', message: 'no access to u1' }]);
    expect(collector.wsMessages.map((m) => m.token)).toEqual(['t1', 't2']);
    await page.evaluate(() => window.subscription.close());
  });
});
