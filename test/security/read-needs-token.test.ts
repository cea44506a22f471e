import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/serve/tokens.js';
import { click, post, type ServeStack, startServeStack } from '../serve/stack.js';

const SECRET = 'read-api-secret-0123456789';
const ADMIN = 'operator-admin-token';

async function get(stack: ServeStack, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('GET /v1/users/:id/recommendations is personal data when AUTH_SECRET is set', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ AUTH_SECRET: SECRET, ADMIN_TOKEN: ADMIN, CORS_ORIGINS: 'https://shop.example.com' });
    const events = [];
    for (const user of ['alice', 'bob', 'carol'])
      for (const item of ['prenatal-vitamins', 'crib', 'stroller']) events.push(click(user, item, 'add_to_cart'));
    expect((await post(stack, events)).status).toBe(202);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 401 with a Bearer challenge without a token', async () => {
    const res = await get(stack, '/v1/users/alice/recommendations');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toEqual({ error: expect.stringContaining('Authorization'), code: 'RS_TOKEN_REQUIRED' });
    expect(JSON.stringify(res.body)).not.toContain('prenatal');
  });

  it('answers 401 to a forged, expired or garbage token', async () => {
    const forged = mintToken('some-other-secret-0123456789', 'alice', 600);
    const expired = mintToken(SECRET, 'alice', 60, Date.now() - 120_000);
    const refusals = [
      [forged, 'RS_TOKEN_INVALID'],
      [expired, 'RS_TOKEN_EXPIRED'],
      ['garbage', 'RS_TOKEN_INVALID'],
      [`${mintToken(SECRET, 'alice', 600)}x`, 'RS_TOKEN_INVALID'],
    ];
    for (const [token, code] of refusals) {
      const res = await get(stack, '/v1/users/alice/recommendations', bearer(token));
      expect(res.status, token).toBe(401);
      expect(res.body).toEqual({ error: expect.any(String), code });
    }
  });

  it('answers 403 to a valid token of another user', async () => {
    const res = await get(stack, '/v1/users/alice/recommendations', bearer(mintToken(SECRET, 'bob', 600)));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: expect.stringContaining('another user'), code: 'RS_TOKEN_OTHER_USER' });
  });

  it("serves the list with the user's own storefront token, minted by hand as a backend would", async () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const token = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    const res = await get(stack, '/v1/users/alice/recommendations', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'alice', items: expect.any(Array) });
  });

  it('serves the list with the admin token', async () => {
    const res = await get(stack, '/v1/users/bob/recommendations?limit=2', bearer(ADMIN));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'bob' });
  });

  it('keeps item neighbours public', async () => {
    const res = await get(stack, '/v1/items/crib/similar');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ itemId: 'crib', neighbors: expect.any(Array) });
  });

  it('lets a storefront on an allowed origin send the Authorization header (CORS preflight)', async () => {
    const res = await fetch(`${stack.url}/v1/users/alice/recommendations`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });
});
