import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { click, post, type ServeStack, startServeStack } from './stack.js';
import { TestClient } from './ws-client.js';

const USERS = Array.from({ length: 20 }, (_, i) => `slow-${i}`);
const ITEMS = Array.from({ length: 250 }, (_, i) => `item-${i}`);
const RATE_PER_SECOND = 500;
const TICK_MS = 20;
const HIGH_WATER_BYTES = 64 * 1024;
const STALLED_CLIENT = fileURLToPath(new URL('./fixtures/stalled-ws-client.py', import.meta.url));

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function metric(stack: ServeStack, pattern: RegExp): Promise<number> {
  const m = pattern.exec(await (await fetch(`${stack.url}/metrics`)).text());
  return m ? Number(m[1]) : 0;
}
const coalesced = (stack: ServeStack) => metric(stack, /recstream_ws_dropped_total\{reason="coalesced"\} (\d+)/);

/** Starts the never-reading client (its own process, tiny receive buffer) and waits for its subscriptions. */
async function startStalledClient(stack: ServeStack): Promise<ChildProcess> {
  const { port } = new URL(stack.url);
  const child = spawn('python3', [STALLED_CLIENT, '127.0.0.1', port, ...USERS], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`stalled client exited with ${code}`)));
    child.once('error', reject);
  });
  const deadline = Date.now() + 10_000;
  while (stack.gateway.stats().subscriptions < USERS.length && Date.now() < deadline) await sleep(20);
  return child;
}

describe('WebSocket gateway with a client that never reads', () => {
  let stack: ServeStack;
  let stalled: ChildProcess | undefined;
  beforeAll(async () => {
    stack = await startServeStack({ RECOMMENDATION_LIMIT: '200', WS_MAX_SUBSCRIPTIONS: String(USERS.length) });
    // Enough items that lists are long, so the stalled socket backs up within seconds.
    const seed = ITEMS.map((item, i) => click(USERS[i % USERS.length]!, item));
    for (let i = 0; i < seed.length; i += 100) expect((await post(stack, seed.slice(i, i + 100))).status).toBe(202);
  });
  afterAll(async () => {
    stalled?.stdin?.end();
    if (stalled?.exitCode === null) stalled.kill();
    await stack?.stop();
  });

  it('holds at most one pending list per subscription and a bounded socket buffer while 500 events/s flow', async () => {
    stalled = await startStalledClient(stack);
    expect(stack.gateway.stats().subscriptions).toBe(USERS.length);
    const reader = await TestClient.connect(stack.wsUrl);
    await reader.subscribe(USERS[0]!);

    let maxPending = 0;
    let maxPendingBytes = 0;
    let maxBuffered = 0;
    let largestFrame = 0;
    let lastForReader = '';
    let sent = 0;
    const started = Date.now();
    while (Date.now() - started < 15_000) {
      // Paced by the wall clock so the offered rate is 500/s however long each POST takes.
      const due = Math.min(500, Math.floor(((Date.now() - started) * RATE_PER_SECOND) / 1000) - sent);
      if (due > 0) {
        const batch = Array.from({ length: due }, (_, i) =>
          click(USERS[(sent + i) % USERS.length]!, ITEMS[(sent * 7 + i) % ITEMS.length]!),
        );
        for (const e of batch) if (e.userId === USERS[0]) lastForReader = e.eventId as string;
        sent += batch.length;
        expect((await post(stack, batch)).status).toBe(202);
      }
      await sleep(TICK_MS);
      const s = stack.gateway.stats();
      maxPending = Math.max(maxPending, s.pendingLists);
      maxPendingBytes = Math.max(maxPendingBytes, s.pendingBytes);
      maxBuffered = Math.max(maxBuffered, s.maxBufferedAmount);
      for (const f of reader.frames.slice(-3)) largestFrame = Math.max(largestFrame, Buffer.byteLength(JSON.stringify(f)));
      if (Date.now() - started > 3_000 && (await coalesced(stack)) > 100) break;
    }

    // Latest-wins really happened: the stalled client's updates were replaced, not queued.
    expect(await coalesced(stack)).toBeGreaterThan(100);
    expect(maxPending).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(USERS.length);
    expect(maxPendingBytes).toBeLessThanOrEqual(USERS.length * (largestFrame + 1024));
    // bufferedAmount crosses the high-water mark by at most one frame before coalescing starts.
    expect(maxBuffered).toBeGreaterThan(HIGH_WATER_BYTES);
    expect(maxBuffered).toBeLessThanOrEqual(HIGH_WATER_BYTES + largestFrame + 1024);

    // A client that reads keeps getting fresh lists, up to the one for the last event.
    expect(await reader.next((f) => f.triggerEventId === lastForReader, 20_000)).toMatchObject({ userId: USERS[0] });
    reader.close();
  });
});
