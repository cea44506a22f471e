import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { click, post, type ServeStack, startServeStack } from './stack.js';
import { type Frame, TestClient } from './ws-client.js';

const MAX_FRAME = 4096;

/** 1,000 frames no well-behaved client sends, all within the hard cap (4 × WS_MAX_FRAME_BYTES). */
function malformedFrames(): Array<{ data: Buffer | string; binary: boolean }> {
  const frames: Array<{ data: Buffer | string; binary: boolean }> = [];
  for (let i = 0; i < 1000; i++) {
    switch (i % 10) {
      case 0:
        frames.push({ data: randomBytes(1 + (i % 500)), binary: true });
        break;
      case 1:
        frames.push({ data: randomBytes(1 + (i % 700)), binary: false });
        break;
      case 2:
        frames.push({ data: randomBytes(MAX_FRAME + 1 + i), binary: i % 4 === 0 });
        break;
      case 3: {
        const d = 1 + (i % 2000);
        frames.push({ data: '['.repeat(d) + ']'.repeat(d), binary: false });
        break;
      }
      case 4: {
        const d = 1 + (i % 1300);
        frames.push({ data: `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`, binary: false });
        break;
      }
      case 5:
        frames.push({ data: '['.repeat(MAX_FRAME), binary: false });
        break;
      case 6:
        frames.push({ data: JSON.stringify({ op: 'subscribe', userId: 42 }), binary: false });
        break;
      case 7:
        frames.push({ data: JSON.stringify({ op: 'dance', userId: 'x' }), binary: false });
        break;
      case 8:
        frames.push({ data: JSON.stringify([{ op: 'subscribe', userId: 'x' }]), binary: false });
        break;
      default:
        frames.push({
          data: ['null', '"op"', '1e999', '{"op":"subscribe","userId":""}', '{"__proto__":{"op":"subscribe"}}'][i % 5]!,
          binary: false,
        });
    }
  }
  return frames;
}

/** Polls a counter the server updates once it has seen sockets close. */
async function settle(read: () => number, want: number): Promise<number> {
  const deadline = Date.now() + 5000;
  while (read() !== want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return read();
}

describe('WebSocket gateway under hostile input', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ WS_MAX_FRAME_BYTES: String(MAX_FRAME) });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 1,000 malformed frames with error frames, keeps the connection, and another client is unaffected', async () => {
    const bystander = await TestClient.connect(stack.wsUrl);
    await bystander.subscribe('bystander');
    const attacker = await TestClient.connect(stack.wsUrl);

    const frames = malformedFrames();
    for (const f of frames) attacker.socket.send(f.data, { binary: f.binary });
    const errors: Frame[] = [];
    for (let i = 0; i < frames.length; i++) errors.push(await attacker.next((f) => f.op === 'error'));
    const expected = frames.map((f) => (Buffer.byteLength(f.data) > MAX_FRAME ? 'frame-too-large' : 'bad-request'));
    expect(errors.map((e) => e.code)).toEqual(expected);
    expect(expected.filter((c) => c === 'frame-too-large').length).toBeGreaterThan(100);
    for (const e of errors) expect(typeof e.message).toBe('string');

    // The attacker's connection still works, and so does everyone else's.
    expect(attacker.socket.readyState).toBe(WebSocket.OPEN);
    expect(await attacker.subscribe('attacker-user')).toMatchObject({ op: 'recommendations' });
    const event = click('bystander', 'item-1');
    expect((await post(stack, [event])).status).toBe(202);
    expect(await bystander.next((f) => f.triggerEventId === event.eventId)).toMatchObject({ userId: 'bystander' });
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    attacker.close();
    bystander.close();
  });

  it('closes only the offending connection on a frame beyond the hard cap', async () => {
    const bystander = await TestClient.connect(stack.wsUrl);
    await bystander.subscribe('bystander-2');
    const huge = await Promise.all(Array.from({ length: 5 }, () => TestClient.connect(stack.wsUrl)));
    for (const c of huge) c.socket.send(randomBytes(MAX_FRAME * 4 + 1));
    for (const c of huge) expect(await c.closed).toBe(1009);
    const event = click('bystander-2', 'item-2');
    await post(stack, [event]);
    expect(await bystander.next((f) => f.triggerEventId === event.eventId)).toMatchObject({ userId: 'bystander-2' });
    expect(await settle(() => stack.gateway.stats().connections, 1)).toBe(1);
    bystander.close();
  });
});

describe('WebSocket gateway heartbeat', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ WS_PING_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('terminates a client that does not answer pings and keeps one that does', async () => {
    const silent = await TestClient.connect(stack.wsUrl, { autoPong: false });
    const healthy = await TestClient.connect(stack.wsUrl);
    let pings = 0;
    healthy.socket.on('ping', () => {
      pings += 1;
    });
    await silent.subscribe('silent-user');
    expect(await silent.closed).toBe(1006);
    // The healthy client answered every ping in the same time and is still connected.
    while (pings < 3) await new Promise((r) => setTimeout(r, 50));
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
    expect(await healthy.subscribe('healthy-user')).toMatchObject({ op: 'recommendations' });
    expect(stack.gateway.stats()).toMatchObject({ connections: 1, subscriptions: 1 });
    healthy.close();
  });
});
