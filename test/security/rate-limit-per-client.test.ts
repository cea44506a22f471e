import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { startTestApp } from '../helpers/app.js';
import { click } from '../serve/stack.js';
import { requestFrom } from './from-address.js';

const KEY = 'public-site-key';
const LIMIT = 5;

function postFrom(app: RunningApp, address: string, body: unknown, headers: Record<string, string> = {}) {
  return requestFrom(address, `${app.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': KEY, ...headers },
    body: JSON.stringify(body),
  });
}

describe('collector rate limit: one client cannot spend a public write key for everyone', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ WRITE_KEYS: KEY, RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('limits the flooding address and keeps serving a shopper on another address with the same key', async () => {
    // The flood: empty batches on 16 parallel connections from one address.
    const flood = await Promise.all(Array.from({ length: 16 }, () => postFrom(app, '127.0.0.2', [])));
    const refused = flood.filter((r) => r.status === 429);
    expect(flood.filter((r) => r.status === 202)).toHaveLength(LIMIT);
    expect(refused).toHaveLength(16 - LIMIT);
    for (const r of refused) {
      const retryAfter = Number(r.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(JSON.parse(r.body)).toEqual({ error: expect.stringContaining('rate limit'), code: 'RS_RATE_LIMITED' });
    }

    const shopper = await postFrom(app, '127.0.0.3', [click('shopper-1', 'item-1')]);
    expect(shopper.status).toBe(202);
    expect(JSON.parse(shopper.body)).toEqual({ accepted: 1, rejected: [] });
  });

  it('does not believe X-Forwarded-For from a client when no proxy is trusted', async () => {
    const spoofed = await postFrom(app, '127.0.0.2', [], { 'x-forwarded-for': '198.51.100.77' });
    expect(spoofed.status).toBe(429);
  });
});

describe('collector rate limit behind a trusted proxy (TRUST_PROXY)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    // The test process plays the load balancer on 127.0.0.1; clients are named by X-Forwarded-For.
    app = await startTestApp({ WRITE_KEYS: KEY, RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1/32' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('limits per forwarded client address', async () => {
    const viaProxy = (client: string, body: unknown) => postFrom(app, '127.0.0.1', body, { 'x-forwarded-for': client });
    const flood = await Promise.all(Array.from({ length: 12 }, () => viaProxy('203.0.113.7', [])));
    expect(flood.filter((r) => r.status === 429)).toHaveLength(12 - LIMIT);
    expect((await viaProxy('198.51.100.9', [click('shopper-2', 'item-1')])).status).toBe(202);
  });

  it('ignores X-Forwarded-For from an address that is not the trusted proxy', async () => {
    const answers = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      answers.push((await postFrom(app, '127.0.0.4', [], { 'x-forwarded-for': `192.0.2.${i + 1}` })).status);
    }
    expect(answers.slice(0, LIMIT).every((s) => s === 202)).toBe(true);
    expect(answers[LIMIT]).toBe(429);
  });
});
