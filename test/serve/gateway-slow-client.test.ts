import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { click, post, startServeStack, type ServeStack } from './stack.js';
import { TestClient } from './ws-client.js';

const USERS = Array.from({ length: 20 }, (_, i) => `slow-${i}`);
const ITEMS = Array.from({ length: 250 }, (_, i) => `item-${i}`);
const RATE_PER_SECOND = 500;
const TICK_MS = 100;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function droppedCoalesced(text: string): number {
  const m = /recstream_ws_dropped_total\{reason="coalesced"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('WebSocket gateway with a client that never reads', () => {
  let stack: ServeStack;
  beforeAll(async () => {
    stack = await startServeStack({ RECOMMENDATION_LIMIT: '200', WS_MAX_SUBSCRIPTIONS: String(USERS.length) });
    // Enough items that every list is long, so socket buffers fill in seconds, not minutes.
    const seed = ITEMS.map((item, i) => click(USERS[i % USERS.length]!, item));
    for (let i = 0; i < seed.length; i += 100) expect((await post(stack, seed.slice(i, i + 100))).status).toBe(202);
  });
  afterAll(async () => { await stack?.stop(); });

  it('holds at most one pending list per subscription and a bounded socket buffer while 500 events/s flow', async () => {
    const stalled = await TestClient.connect(stack.wsUrl);
    for (const u of USERS) await stalled.subscribe(u);
    const reader = await TestClient.connect(stack.wsUrl);
    await reader.subscribe(USERS[0]!);
    stalled.socket.pause();

    let maxPending = 0;
    let maxPendingBytes = 0;
    let maxBuffered = 0;
    let largestFrame = 0;
    let lastForReader = '';
    let sent = 0;
    const started = Date.now();
    while (Date.now() - started < 8_000) {
      const batch = Array.from({ length: (RATE_PER_SECOND * TICK_MS) / 1000 }, (_, i) => click(USERS[(sent + i) % USERS.length]!, ITEMS[(sent * 7 + i) % ITEMS.length]!));
      for (const e of batch) if (e.userId === USERS[0]) lastForReader = e.eventId as string;
      sent += batch.length;
      expect((await post(stack, batch)).status).toBe(202);
      await sleep(TICK_MS);
      const s = stack.gateway.stats();
      maxPending = Math.max(maxPending, s.pendingLists);
      maxPendingBytes = Math.max(maxPendingBytes, s.pendingBytes);
      maxBuffered = Math.max(maxBuffered, s.maxBufferedAmount);
      for (const f of reader.frames.slice(-5)) largestFrame = Math.max(largestFrame, JSON.stringify(f).length);
      if (droppedCoalesced(await (await fetch(`${stack.url}/metrics`)).text()) > 200 && Date.now() - started > 3_000) break;
    }

    // Latest-wins really happened: the stalled client's updates were coalesced, not queued.
    expect(droppedCoalesced(await (await fetch(`${stack.url}/metrics`)).text())).toBeGreaterThan(0);
    expect(maxPending).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(USERS.length);
    const frameCap = largestFrame * 2 + 1024;
    expect(maxPendingBytes).toBeLessThanOrEqual(USERS.length * frameCap);
    // bufferedAmount stays near the 64 KiB high-water mark: at most one frame past it before coalescing starts.
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024 + frameCap);

    // A client that reads keeps getting every fresh list, up to the last event.
    expect(await reader.next((f) => f.triggerEventId === lastForReader, 20_000)).toMatchObject({ userId: USERS[0] });
    stalled.close();
    reader.close();
  });
});
