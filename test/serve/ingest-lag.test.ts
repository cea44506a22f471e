import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { startTestApp, waitFor } from '../helpers/app.js';
import { clickEncoder } from '../helpers/click-encoder.js';

const base = Date.now() - 3_600_000;
const views = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => ({
    eventId: `lag-${from + k}`,
    userId: `user-${(from + k) % 500}`,
    timestamp: base + from + k,
    type: 'view',
    itemId: `sku-${(from + k) % 300}`,
  }));

async function post(app: RunningApp, events: unknown[]): Promise<Response> {
  return fetch(`${app.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
}

describe('the collector under a backlog', () => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.stop();
  });

  it('answers 503 with Retry-After while more than INGEST_MAX_LAG events wait to be learnt, then takes events again, losing none', async () => {
    app = await startTestApp({ INGEST_MAX_LAG: '50', PARTITIONS: '1' });
    const running = app;
    let accepted = 0;
    let next = 0;
    type Answer = { status: number; retryAfter: string | null; body: { accepted?: number; error?: string; code?: string } };
    const send = async (events: unknown[]): Promise<Answer> => {
      const res = await post(running, events);
      const answer = { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
      if (answer.status === 202) accepted += answer.body.accepted ?? 0;
      return answer;
    };
    // 60,000 events written straight to the input topic, as a website's producer on Kafka would: seconds
    // of learning, far beyond 50 waiting (through the collector, a machine may learn them as fast as
    // it takes them in)
    const encode = await clickEncoder(running);
    const backlog = await Promise.all(views(0, 60_000).map(async (e) => ({ topic: 'clickstream', key: e.userId, value: await encode(e) })));
    await running.log.produce(backlog);
    next = 60_000;
    const refused = await waitFor(
      async () => send(views(next++, 1)),
      (a) => a.status === 503,
      20_000,
      50,
    );
    expect(refused.retryAfter).toBe('1');
    expect(refused.body.code).toBe('RS_OVERLOADED');
    expect(refused.body.error).toMatch(/waiting to be learnt \(INGEST_MAX_LAG=50\)/);

    // once the backlog is learnt events are taken again; none of the refused ones was
    const lateEvent = views(next++, 1);
    await waitFor(
      async () => (await send(lateEvent)).status,
      (status) => status === 202,
      60_000,
      200,
    );
    const applied = await waitFor(
      () => running.engine.digest().eventsApplied,
      (n) => n >= accepted,
      60_000,
      100,
    );
    expect(applied).toBe(accepted + backlog.length);
  });
});
