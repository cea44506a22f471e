import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { DEAD_LETTER_REASONS } from '../../src/events/reasons.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { TestClient } from '../serve/ws-client.js';

async function scrape(app: RunningApp): Promise<string> {
  return (await fetch(`${app.url}/metrics`)).text();
}

/** The value of one series of a scrape, or undefined when the series is missing. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    const have = new Map([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((p) => [p[1], p[2]]));
    if (wanted.every(([k, v]) => have.get(k) === v) && (wanted.length > 0 || have.size === 0)) return Number(m[2]);
  }
  return undefined;
}

function sum(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels);
  let total = 0;
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const have = new Map([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((p) => [p[1], p[2]]));
    if (wanted.every(([k, v]) => have.get(k) === v)) total += Number(m[2]);
  }
  return total;
}

const view = (userId: string, itemId: string) => ({ eventId: randomUUID(), userId, itemId, type: 'view', timestamp: Date.now() });

describe('metric values of a running engine', () => {
  let app: RunningApp;
  beforeAll(async () => {
    // One neighbour per item: three items viewed together then hold 3 neighbour entries but 6 counters
    // (one user's pairs count here: the support threshold is not what this file tests).
    app = await startTestApp({ MODEL_NEIGHBORS: '1', MODEL_MIN_SUPPORT_USERS: '1' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('exports every known label value at 0 before the first event', async () => {
    const text = await scrape(app);
    const { clicks, purchases } = app.engine.config.topics;
    for (const reason of DEAD_LETTER_REASONS) expect(sample(text, 'recstream_dlq_total', { reason }), reason).toBe(0);
    for (const sink of ['topic', 'websocket', 'http']) expect(sample(text, 'recstream_recommendations_total', { sink }), sink).toBe(0);
    for (const reason of ['coalesced', 'closed', 'error-frame'])
      expect(sample(text, 'recstream_ws_dropped_total', { reason }), reason).toBe(0);
    for (const state of ['user', 'item']) {
      for (const cause of ['cap', 'idle'])
        expect(sample(text, 'recstream_model_forgotten_total', { state, cause }), `${state} ${cause}`).toBe(0);
    }
    for (const type of ['view', 'click', 'add_to_cart', 'remove_from_cart']) {
      for (const outcome of ['applied', 'duplicate'])
        expect(sample(text, 'recstream_events_total', { topic: clicks, type, outcome }), `${type} ${outcome}`).toBe(0);
    }
    expect(sample(text, 'recstream_events_total', { topic: purchases, type: 'purchase', outcome: 'applied' })).toBe(0);
    for (const topic of [clicks, purchases])
      expect(sample(text, 'recstream_events_total', { topic, type: 'unknown', outcome: 'invalid' }), topic).toBe(0);
  });

  it('counts neighbour entries, not co-occurrence counters, in recstream_model_neighbor_entries', async () => {
    const items = ['n-a', 'n-b', 'n-c'];
    expect(
      (
        await postEvents(
          app,
          items.map((item) => view('neighbours', item)),
        )
      ).body.accepted,
    ).toBe(3);
    await waitFor(
      () => scrape(app),
      (t) => sum(t, 'recstream_events_total', { outcome: 'applied' }) >= 3,
    );
    // similar items come from the global table, which the item owner fills a moment later
    const neighbours = await waitFor(
      async () => {
        let n = 0;
        for (const item of items) {
          const res = await fetch(`${app.url}/v1/items/${item}/similar?limit=10`);
          n += ((await res.json()) as { neighbors: unknown[] }).neighbors.length;
        }
        return n;
      },
      (n) => n >= 3,
    );
    expect(neighbours).toBe(3);
    await app.engine.refresh();
    const text = await scrape(app);
    expect(sample(text, 'recstream_model_neighbor_entries')).toBe(neighbours);
    expect(sample(text, 'recstream_model_counter_entries')).toBe(6);
  });

  it('adds exactly 1 to sink="http" per HTTP read, and a WebSocket subscribe counts under sink="websocket" only', async () => {
    const count = async (sink: string) => sample(await scrape(app), 'recstream_recommendations_total', { sink }) ?? 0;
    const httpBefore = await count('http');
    const res = await fetch(`${app.url}/v1/users/neighbours/recommendations`);
    expect(res.status).toBe(200);
    expect(await count('http')).toBe(httpBefore + 1);

    const wsBefore = await count('websocket');
    const client = await TestClient.connect(`${app.url.replace(/^http/, 'ws')}/v1/stream`);
    try {
      expect((await client.subscribe('neighbours')).op).toBe('recommendations');
      expect(await count('websocket')).toBe(wsBefore + 1);
      expect(await count('http')).toBe(httpBefore + 1);
    } finally {
      client.socket.terminate();
    }
  });
});
