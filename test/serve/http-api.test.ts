import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { click, post, type ServeStack, startServeStack } from './stack.js';

async function get(
  stack: ServeStack,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: unknown }> {
  const res = await fetch(`${stack.url}${path}`, { headers });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: type.includes('json') && text !== '' ? JSON.parse(text) : text };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('HTTP API', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ ADMIN_TOKEN: 'admin-secret' });
    const events = [];
    for (let u = 0; u < 6; u++) for (const item of ['a', 'b', 'c']) events.push(click(`h${u}`, `item-${item}`));
    expect((await post(stack, events)).status).toBe(202);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('reports liveness, readiness and Prometheus metrics', async () => {
    expect(await get(stack, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await until(
      () => get(stack, '/readyz'),
      (r) => r.status === 200,
    );
    expect(ready.status).toBe(200);
    const metrics = await get(stack, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(metrics.body).toContain('# TYPE recstream_ws_connections gauge');
  });

  it('needs the admin bearer token for the digest', async () => {
    expect((await get(stack, '/v1/admin/digest')).status).toBe(401);
    const wrong = await get(stack, '/v1/admin/digest', { authorization: 'Bearer nope' });
    expect(wrong).toMatchObject({ status: 401, body: { error: expect.any(String), code: 'RS_ADMIN_TOKEN_INVALID' } });
    const digest = await until(
      () => get(stack, '/v1/admin/digest', { authorization: 'Bearer admin-secret' }),
      (r) => (r.body as { users: number }).users >= 6,
    );
    expect(digest.status).toBe(200);
    expect(digest.body).toMatchObject({ users: 6, stateHash: expect.any(String) });
  });

  it("serves a user's recommendations, honouring limit", async () => {
    const rec = await get(stack, '/v1/users/h0/recommendations?limit=1');
    expect(rec.status).toBe(200);
    expect(rec.body).toMatchObject({ userId: 'h0', recommendationId: expect.any(String), items: expect.any(Array) });
    expect((rec.body as { items: unknown[] }).items.length).toBeLessThanOrEqual(1);
  });

  it("serves an item's neighbours", async () => {
    const similar = await until(
      () => get(stack, '/v1/items/item-a/similar?limit=5'),
      (r) => (r.body as { neighbors: unknown[] }).neighbors.length > 0,
    );
    expect(similar.status).toBe(200);
    const body = similar.body as { itemId: string; neighbors: Array<{ itemId: string; score: number }> };
    expect(body.itemId).toBe('item-a');
    expect(body.neighbors.length).toBeGreaterThan(0);
    expect(body.neighbors.length).toBeLessThanOrEqual(5);
    for (const n of body.neighbors) expect(n).toEqual({ itemId: expect.any(String), score: expect.any(Number) });
  });

  it('answers 400 to a limit outside 1..200', async () => {
    for (const limit of ['0', '201', '-1', 'ten', '1.5']) {
      const res = await get(stack, `/v1/users/h0/recommendations?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.body).toEqual({ error: expect.stringContaining('limit'), code: 'RS_LIMIT_INVALID' });
      expect((await get(stack, `/v1/items/item-a/similar?limit=${limit}`)).status).toBe(400);
    }
  });

  it('erases a known user with 204 (admin token), answers 404 for an unknown one', async () => {
    const del = (userId: string, token?: string) =>
      fetch(`${stack.url}/v1/users/${userId}`, {
        method: 'DELETE',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    expect((await del('h1')).status).toBe(401);
    const erased = await del('h1', 'admin-secret');
    expect(erased.status).toBe(204);
    const again = await del('nobody-ever', 'admin-secret');
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: expect.any(String), code: 'RS_USER_NOT_FOUND' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    expect(await get(stack, '/v1/nothing-here')).toMatchObject({
      status: 404,
      body: { error: expect.any(String), code: 'RS_ROUTE_NOT_FOUND' },
    });
  });
});

describe('HTTP API without ADMIN_TOKEN', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the digest and erasures without a bearer token', async () => {
    await post(stack, [click('open-1', 'item-z')]);
    const digest = await until(
      () => get(stack, '/v1/admin/digest'),
      (r) => (r.body as { users: number }).users >= 1,
    );
    expect(digest).toMatchObject({ status: 200, body: { users: 1, items: 1, eventsApplied: 1 } });
    expect((await fetch(`${stack.url}/v1/users/open-1`, { method: 'DELETE' })).status).toBe(204);
    const after = await get(stack, '/v1/admin/digest');
    expect(after.body).toMatchObject({ users: 0 });
  });
});
