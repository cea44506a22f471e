import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { validateEvent } from '../../src/events/validate.js';
import { mintToken, verifyToken } from '../../src/serve/tokens.js';
import { waitFor } from '../helpers/app.js';
import { click, post, type ServeStack, startServeStack } from '../serve/stack.js';
import { TestClient } from '../serve/ws-client.js';

const LONE = ['\ud800', '\udbff', 'user-\udc00', '\udfff-x'];
const SECRET = 'lone-surrogate-secret-0123456789';

interface Answer {
  accepted: number;
  rejected: Array<{ index: number; error: string }>;
}

describe('ids that are not well-formed Unicode', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('rejects events whose ids hold a lone surrogate, per event, and learns nothing from them', async () => {
    // JSON.stringify writes lone surrogates as \ud800 escapes, as a hostile client would send them.
    const batch = [
      ...LONE.map((userId) => click(userId, 'item-1')),
      { ...click('fine-user', 'item-1'), itemId: 'item-\ud83d' },
      { ...click('fine-user', 'item-1'), eventId: '\udbffevent' },
      click('fine-user', 'item-1'),
    ];
    const res = await post(stack, batch);
    expect(res.status).toBe(202);
    const body = res.json as Answer;
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of body.rejected) expect(r.error).toMatch(/(userId|itemId|eventId) is not well-formed Unicode/);

    // Only the well-formed user exists: the lone surrogates did not collapse into a user of their own.
    const digest = await waitFor(
      async () => (await fetch(`${stack.url}/v1/admin/digest`)).json() as Promise<{ users: number; eventsApplied: number }>,
      (d) => d.eventsApplied >= 1,
    );
    expect(digest).toMatchObject({ users: 1, eventsApplied: 1 });
  });

  it('rejects a purchase whose currency holds a lone surrogate: it has no UTF-8 form, so no Avro either', async () => {
    const purchase = (currency: string) => ({
      eventId: `p-${currency.length}-${currency.charCodeAt(currency.length - 1)}`,
      userId: 'buyer',
      type: 'purchase',
      timestamp: Date.now(),
      orderId: `o-${currency.charCodeAt(currency.length - 1)}`,
      currency,
      items: [{ itemId: 'item-1', quantity: 1, price: 5 }],
    });
    const res = await post(stack, [purchase('EU\ud800'), purchase('\udfffUR')]);
    expect(res.status).toBe(202);
    const body = res.json as Answer;
    expect(body.accepted).toBe(0);
    expect(body.rejected).toHaveLength(2);
    for (const r of body.rejected) expect(r.error).toMatch(/currency is not well-formed Unicode/);
  });

  it('gives such events the dead-letter reason invalid', () => {
    expect(validateEvent(click('\ud800', 'item-1'), { now: Date.now(), maxFutureMs: loadConfig({}).eventMaxFutureMs })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
  });

  it('refuses a WebSocket subscription for such a user id', async () => {
    const client = await TestClient.connect(stack.wsUrl);
    for (const userId of LONE) {
      client.send(JSON.stringify({ op: 'subscribe', userId }));
      expect(await client.next((f) => f.op === 'error' || f.op === 'recommendations')).toMatchObject({
        op: 'error',
        code: 'bad-request',
        message: expect.stringContaining('well-formed'),
      });
    }
    client.close();
  });

  it('answers 400 with a clear message to such ids in URL paths (read and erasure)', async () => {
    for (const encoded of ['%ED%A0%80', '%ED%AF%BF', 'a%ED%B0%80']) {
      for (const [method, path] of [
        ['GET', `/v1/users/${encoded}/recommendations`],
        ['DELETE', `/v1/users/${encoded}`],
      ] as const) {
        const res = await fetch(`${stack.url}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(await res.json()).toEqual({ error: expect.stringContaining('well-formed'), code: 'RS_URL_MALFORMED' });
      }
    }
  });
});

describe('token subjects that are not well-formed Unicode', () => {
  it('are refused when verifying and when minting', () => {
    const payload = Buffer.from(JSON.stringify({ sub: '\ud800', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const token = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    expect(verifyToken(SECRET, token, Date.now(), 3600)).toEqual({ ok: false, code: 'malformed' });
    expect(() => mintToken(SECRET, '\udbff', 600)).toThrow(/well-formed/);
  });
});
