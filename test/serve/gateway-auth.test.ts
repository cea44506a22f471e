import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/serve/tokens.js';
import { click, post, type ServeStack, startServeStack } from './stack.js';
import { TestClient } from './ws-client.js';

const SECRET = 'gateway-test-secret-0123456789';

describe('WebSocket gateway: subscriptions with tokens', () => {
  let stack: ServeStack;
  const clients: TestClient[] = [];
  const connect = async (): Promise<TestClient> => {
    const c = await TestClient.connect(stack.wsUrl);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startServeStack({ AUTH_SECRET: SECRET, WS_MAX_SUBSCRIPTIONS: '2', WS_MAX_FRAME_BYTES: '1024' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await stack?.stop();
  });

  it('sends the current list on subscribe, then every fresh list for that user', async () => {
    const client = await connect();
    const first = await client.subscribe('alice', mintToken(SECRET, 'alice', 60));
    expect(first).toMatchObject({ op: 'recommendations', userId: 'alice' });
    expect(Array.isArray(first.items)).toBe(true);

    const event = click('alice', 'item-1');
    expect((await post(stack, [event])).status).toBe(202);
    const pushed = await client.next((f) => f.op === 'recommendations' && f.triggerEventId === event.eventId);
    expect(pushed).toMatchObject({ userId: 'alice', triggerEventId: event.eventId });
    expect(typeof pushed.recommendationId).toBe('string');
  });

  it('accepts a token minted by hand from the documented format', async () => {
    const client = await connect();
    const payload = Buffer.from(JSON.stringify({ sub: 'hand', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const token = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
    expect(await client.subscribe('hand', token)).toMatchObject({ op: 'recommendations', userId: 'hand' });
  });

  it("refuses a missing, forged, expired or other user's token and keeps the connection", async () => {
    const client = await connect();
    expect(await client.subscribe('bob')).toMatchObject({ op: 'error', code: 'unauthorized', userId: 'bob' });
    const forged = mintToken('not-the-real-secret-0123456789', 'bob', 60);
    expect(await client.subscribe('bob', forged)).toMatchObject({ op: 'error', code: 'unauthorized' });
    expect(await client.subscribe('bob', 'garbage')).toMatchObject({ op: 'error', code: 'unauthorized' });
    const expired = mintToken(SECRET, 'bob', 60, Date.now() - 120_000);
    expect(await client.subscribe('bob', expired)).toMatchObject({ op: 'error', code: 'token-expired' });
    expect(await client.subscribe('bob', mintToken(SECRET, 'carol', 60))).toMatchObject({ op: 'error', code: 'forbidden' });
    for (const f of client.frames) expect(typeof (f as { message?: unknown }).message === 'string' || f.op !== 'error').toBe(true);

    // Refused subscriptions deliver nothing, and the same connection still subscribes with a good token.
    expect(client.frames.some((f) => f.op === 'recommendations')).toBe(false);
    expect(await client.subscribe('bob', mintToken(SECRET, 'bob', 60))).toMatchObject({ op: 'recommendations', userId: 'bob' });
  });

  it('caps subscriptions per connection; re-subscribing an existing user does not count', async () => {
    const client = await connect();
    expect(await client.subscribe('u1', mintToken(SECRET, 'u1', 60))).toMatchObject({ op: 'recommendations' });
    expect(await client.subscribe('u2', mintToken(SECRET, 'u2', 60))).toMatchObject({ op: 'recommendations' });
    expect(await client.subscribe('u3', mintToken(SECRET, 'u3', 60))).toMatchObject({ op: 'error', code: 'too-many-subscriptions' });
    expect(await client.subscribe('u2', mintToken(SECRET, 'u2', 60))).toMatchObject({ op: 'recommendations', userId: 'u2' });
    client.send({ op: 'unsubscribe', userId: 'u1' });
    expect(await client.subscribe('u3', mintToken(SECRET, 'u3', 60))).toMatchObject({ op: 'recommendations', userId: 'u3' });
  });

  it('stops pushing after unsubscribe', async () => {
    const leaving = await connect();
    const staying = await connect();
    await leaving.subscribe('dave', mintToken(SECRET, 'dave', 60));
    await staying.subscribe('dave', mintToken(SECRET, 'dave', 60));
    leaving.send({ op: 'unsubscribe', userId: 'dave' });
    // Frames on one socket keep their order: once this answer arrives the unsubscribe was handled.
    await leaving.subscribe('erin', mintToken(SECRET, 'erin', 60));

    const event = click('dave', 'item-2');
    await post(stack, [event]);
    await staying.next((f) => f.triggerEventId === event.eventId);
    // Lists are fanned out to every subscriber in one go: had `leaving` been sent one, it precedes this.
    await leaving.subscribe('erin', mintToken(SECRET, 'erin', 60));
    expect(leaving.frames.some((f) => f.userId === 'dave' && f.triggerEventId === event.eventId)).toBe(false);
  });

  it('answers a frame above the size limit with frame-too-large and keeps the connection', async () => {
    const client = await connect();
    client.send(JSON.stringify({ op: 'subscribe', userId: 'x', token: 'y'.repeat(2000) }));
    expect(await client.next((f) => f.op === 'error')).toMatchObject({ code: 'frame-too-large' });
    expect(await client.subscribe('frank', mintToken(SECRET, 'frank', 60))).toMatchObject({ op: 'recommendations' });
  });

  it('closes with 1009 a frame beyond the hard cap, without affecting other clients', async () => {
    const other = await connect();
    await other.subscribe('gina', mintToken(SECRET, 'gina', 60));
    const client = await connect();
    client.send('x'.repeat(1024 * 4 + 1));
    expect(await client.closed).toBe(1009);
    const event = click('gina', 'item-3');
    await post(stack, [event]);
    expect(await other.next((f) => f.triggerEventId === event.eventId)).toMatchObject({ userId: 'gina' });
  });

  it('answers 404 to upgrades on other paths', async () => {
    await expect(TestClient.connect(stack.wsUrl.replace('/v1/stream', '/v1/other'))).rejects.toThrow('upgrade refused: 404');
  });
});

describe('WebSocket gateway without AUTH_SECRET', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets anyone subscribe (demo mode)', async () => {
    const client = await TestClient.connect(stack.wsUrl);
    expect(await client.subscribe('open-user')).toMatchObject({ op: 'recommendations', userId: 'open-user' });
    client.close();
  });
});

describe('WebSocket gateway metrics', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const value = async (series: string): Promise<number> => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };

  it('counts connections, subscriptions, websocket sends and event → push latency', async () => {
    const a = await TestClient.connect(stack.wsUrl);
    const b = await TestClient.connect(stack.wsUrl);
    await a.subscribe('m1');
    await a.subscribe('m2');
    await b.subscribe('m1');
    expect(await value('recstream_ws_connections')).toBe(2);
    expect(await value('recstream_ws_subscriptions')).toBe(3);
    expect(await value('recstream_recommendations_total{sink="websocket"}')).toBe(3);

    const event = click('m1', 'item-9');
    await post(stack, [event]);
    await a.next((f) => f.triggerEventId === event.eventId);
    await b.next((f) => f.triggerEventId === event.eventId);
    expect(await value('recstream_recommendations_total{sink="websocket"}')).toBe(5);
    expect(await value('recstream_event_to_push_seconds_count')).toBe(2);

    a.close();
    b.close();
    const deadline = Date.now() + 5000;
    while ((await value('recstream_ws_connections')) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await value('recstream_ws_connections')).toBe(0);
    expect(await value('recstream_ws_subscriptions')).toBe(0);
  });
});

describe('WebSocket gateway: token expiry during a subscription', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ AUTH_SECRET: SECRET, WS_PING_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends the subscription with token-expired when its token runs out; a fresh token resumes it', async () => {
    const client = await TestClient.connect(stack.wsUrl);
    expect(await client.subscribe('short', mintToken(SECRET, 'short', 2))).toMatchObject({ op: 'recommendations' });
    expect(await client.next((f) => f.op === 'error')).toMatchObject({ code: 'token-expired', userId: 'short' });
    expect(stack.gateway.stats().subscriptions).toBe(0);

    expect(await client.subscribe('short', mintToken(SECRET, 'short', 60))).toMatchObject({ op: 'recommendations' });
    const event = click('short', 'item-5');
    await post(stack, [event]);
    expect(await client.next((f) => f.triggerEventId === event.eventId)).toMatchObject({ userId: 'short' });
    client.close();
  });
});
