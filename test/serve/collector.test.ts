import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { click, post, type ServeStack, startServeStack } from './stack.js';

interface Answer {
  accepted: number;
  rejected: Array<{ index: number; error: string }>;
}

async function metricsText(stack: ServeStack): Promise<string> {
  return (await fetch(`${stack.url}/metrics`)).text();
}

describe('collector: batches', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ MAX_BODY_BYTES: '4096', MAX_BATCH_EVENTS: '5' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('accepts the valid events of a mixed batch and rejects the others by index', async () => {
    const batch = [
      click('c1', 'i1'),
      { ...click('c1', 'i2'), type: 'teleport' },
      click('c2', 'i3', 'add_to_cart'),
      'not an event',
      { ...click('c3', 'i4'), userId: '' },
    ];
    const res = await post(stack, batch);
    expect(res.status).toBe(202);
    const body = res.json as Answer;
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 3, 4]);
    for (const r of body.rejected) expect(r.error.length).toBeGreaterThan(0);
  });

  it('accepts a single JSON object', async () => {
    const res = await post(stack, click('c4', 'i1'));
    expect(res).toMatchObject({ status: 202, json: { accepted: 1, rejected: [] } });
  });

  it('accepts ISO-8601 timestamps', async () => {
    const res = await post(stack, [{ ...click('c4', 'i2'), timestamp: new Date().toISOString() }]);
    expect(res).toMatchObject({ status: 202, json: { accepted: 1, rejected: [] } });
  });

  it('accepts NDJSON; a line that is not JSON is a per-event rejection', async () => {
    const body = [JSON.stringify(click('c5', 'i1')), '{oops', '', JSON.stringify(click('c5', 'i2'))].join('\n');
    const res = await post(stack, body, { headers: { 'content-type': 'application/x-ndjson' } });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accepted: 2, rejected: [{ index: 1 }] });
  });

  it('detects NDJSON by content when sent as text/plain (sendBeacon)', async () => {
    const body = `${JSON.stringify(click('c6', 'i1'))}\n${JSON.stringify({ ...click('c6', 'i2'), type: 'nope' })}\n`;
    const res = await post(stack, body, { headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accepted: 1, rejected: [{ index: 1 }] });
  });

  it('accepts a JSON array sent as text/plain', async () => {
    const res = await post(stack, JSON.stringify([click('c6', 'i3')]), { headers: { 'content-type': 'text/plain' } });
    expect(res).toMatchObject({ status: 202, json: { accepted: 1 } });
  });

  it('answers 400 with {error} to a body that is not JSON, empty, or JSON of the wrong kind', async () => {
    for (const body of ['{"eventId": ', '', '42', '"text"']) {
      const res = await post(stack, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof (res.json as { error: unknown }).error).toBe('string');
    }
  });

  it('answers 413 to a body above MAX_BODY_BYTES', async () => {
    const big = Array.from({ length: 4 }, () => ({ ...click('c7', 'i1'), padding: 'x'.repeat(1500) }));
    const res = await post(stack, big);
    expect(res.status).toBe(413);
    expect((res.json as { error: string }).error).toContain('MAX_BODY_BYTES');
  });

  it('answers 413 to a batch longer than MAX_BATCH_EVENTS, accepting none of it', async () => {
    const res = await post(
      stack,
      Array.from({ length: 6 }, (_, i) => click('c8', `i${i}`)),
    );
    expect(res.status).toBe(413);
    expect((res.json as { error: string }).error).toMatch(/6 events.*at most 5/);
  });

  it('counts requests by status in recstream_collector_requests_total', async () => {
    const text = await metricsText(stack);
    expect(text).toMatch(/recstream_collector_requests_total\{status="202"\} \d+/);
    expect(text).toMatch(/recstream_collector_requests_total\{status="413"\} 2/);
    expect(text).toMatch(/recstream_collector_requests_total\{status="400"\} 4/);
  });
});

describe('collector: write keys and rate limits', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ WRITE_KEYS: 'key-one,key-two', RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a missing or wrong key with 401', async () => {
    const missing = await post(stack, [click('k1', 'i1')]);
    expect(missing.status).toBe(401);
    expect((missing.json as { error: string }).error).toContain('X-Write-Key');
    expect((await post(stack, [click('k1', 'i1')], { headers: { 'x-write-key': 'key-three' } })).status).toBe(401);
    expect((await post(stack, [click('k1', 'i1')], { query: '?writeKey=key-on' })).status).toBe(401);
  });

  it('accepts a key in the header or in the writeKey query parameter', async () => {
    expect((await post(stack, [click('k1', 'i1')], { headers: { 'x-write-key': 'key-one' } })).status).toBe(202);
    expect((await post(stack, [click('k1', 'i2')], { query: '?writeKey=key-two', headers: { 'content-type': 'text/plain' } })).status).toBe(
      202,
    );
  });

  it('limits each key separately and answers 429 with Retry-After', async () => {
    // key-one has spent 1 of 3 above, key-two 1 of 3.
    expect((await post(stack, [click('k2', 'i1')], { headers: { 'x-write-key': 'key-one' } })).status).toBe(202);
    expect((await post(stack, [click('k2', 'i2')], { headers: { 'x-write-key': 'key-one' } })).status).toBe(202);
    const limited = await post(stack, [click('k2', 'i3')], { headers: { 'x-write-key': 'key-one' } });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(typeof (limited.json as { error: unknown }).error).toBe('string');
    expect((await post(stack, [click('k2', 'i4')], { headers: { 'x-write-key': 'key-two' } })).status).toBe(202);
  });

  it("does not spend a key's budget on requests with a wrong key", async () => {
    for (let i = 0; i < 5; i++) expect((await post(stack, [click('k3', 'i1')], { headers: { 'x-write-key': 'bad' } })).status).toBe(401);
    expect((await post(stack, [click('k3', 'i1')], { headers: { 'x-write-key': 'key-two' } })).status).toBe(202);
  });
});

describe('collector: CORS', () => {
  let stack: ServeStack;
  let open: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ CORS_ORIGINS: 'https://shop.example.com', WRITE_KEYS: 'k' });
    open = await startServeStack({ CORS_ORIGINS: '*' });
  });
  afterAll(async () => {
    await stack?.stop();
    await open?.stop();
  });

  const preflight = (s: ServeStack, origin: string) =>
    fetch(`${s.url}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-write-key' },
    });

  it('allows a listed origin, with the X-Write-Key header', async () => {
    const res = await preflight(stack, 'https://shop.example.com');
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-write-key');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('gives no CORS grant to an unlisted origin', async () => {
    const res = await preflight(stack, 'https://evil.example.net');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${stack.url}/v1/events?writeKey=k`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.net' },
      body: '[]',
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows any origin with *', async () => {
    const res = await preflight(open, 'https://anything.example.org');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});
