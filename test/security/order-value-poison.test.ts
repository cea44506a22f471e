import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { postEvents, startTestApp, waitFor } from '../helpers/app.js';
import { ReadApi } from '../helpers/read-api.js';
import { readTopic } from '../helpers/topics.js';

const ADMIN_TOKEN = 'order-value-admin-token';
const HOUR = 3_600_000;

let orderSeq = 0;
function order(userId: string, timestamp: number, price: number, quantity = 1) {
  const n = orderSeq++;
  return {
    eventId: `order-event-${n}`,
    userId,
    timestamp,
    type: 'purchase',
    orderId: `order-${n}`,
    currency: 'EUR',
    items: [{ itemId: `sku-${n % 7}`, quantity, price }],
    sessionId: null,
  };
}

/** Ten regular customers, one order each per round; customer u spends about 20 + 10u. */
function regularOrders(rounds: number[], base: number) {
  return rounds.flatMap((r) =>
    Array.from({ length: 10 }, (_, u) =>
      order(`regular-${u}`, base + r * 4 * HOUR + u * 60_000 + ((u * 7) % 5) * 17 * 60_000, 20 + 10 * u + ((u * 7 + r * 3) % 11)),
    ),
  );
}

describe('one user cannot poison the order-value regression', () => {
  const apps: RunningApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop();
  });

  it('prices and quantities beyond the limits are refused: named at the collector, dead-lettered as invalid on the topic', async () => {
    const app = await startTestApp({ ADMIN_TOKEN });
    apps.push(app);
    const api = new ReadApi(app, ADMIN_TOKEN);
    const base = Date.now() - 60 * HOUR;

    const poison = [
      order('poisoner', base, 1e308),
      order('poisoner', base + HOUR, 1e308),
      order('poisoner', base + 2 * HOUR, 5, 10_000_000),
    ];
    const answer = await postEvents(app, poison);
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toBe(0);
    expect(answer.body.rejected).toEqual([
      { index: 0, error: 'items[0].price must be at most 1000000000, got 1e+308' },
      { index: 1, error: 'items[0].price must be at most 1000000000, got 1e+308' },
      { index: 2, error: 'items[0].quantity must be at most 1000000, got 10000000' },
    ]);

    // an outside producer writing straight to the topic meets the same rule in the engine
    const registry = new SchemaRegistry({ host: app.registryUrl });
    const id = await registry.getLatestSchemaId('purchases-value');
    const direct = await registry.encode(id, order('poisoner', base + 3 * HOUR, 1e308));
    await app.log.produce([{ topic: 'purchases', key: 'poisoner', value: direct }]);
    const dlq = await waitFor(
      () => readTopic(app.log, 'recstream.dlq'),
      (r) => r.length >= 1,
    );
    expect(dlq).toHaveLength(1);
    expect(dlq[0].headers.reason).toBe('invalid');
    expect(dlq[0].headers.error).toContain('price must be at most 1000000000');

    // the regression never saw them: regular customers still get a finite expected order value
    const regular = regularOrders([0, 1, 2, 3, 4, 5, 6, 7], base);
    expect((await postEvents(app, regular)).body.accepted).toBe(regular.length);
    await api.whenApplied(regular.length);
    const value = (await api.recommendations('regular-5')).userScores?.expectedOrderValue;
    expect(value).not.toBeNull();
    expect(Number.isFinite(value)).toBe(true);
    const metrics = await waitFor(
      () => api.metrics(),
      (m) => m.get('recstream_model_users') === 10,
      20_000,
    );
    expect(Number.isFinite(metrics.get('recstream_rls_rmse'))).toBe(true);
  });

  it('the largest accepted orders, three times from one user, leave the model sound for everyone else', async () => {
    const app = await startTestApp({ ADMIN_TOKEN });
    apps.push(app);
    const api = new ReadApi(app, ADMIN_TOKEN);
    const base = Date.now() - 60 * HOUR;
    let sent = 0;
    const send = async (events: unknown[]): Promise<void> => {
      expect((await postEvents(app, events)).body.accepted).toBe(events.length);
      sent += events.length;
      await api.whenApplied(sent);
    };

    await send(regularOrders([0, 1, 2, 3, 4, 5], base));
    // a billion per piece, a million pieces: each order is worth 10¹⁵
    await send([0, 1, 2].map((k) => order('whale', base + 24 * HOUR + k * HOUR, 1e9, 1_000_000)));
    await send(regularOrders([7, 8, 9, 10], base));
    // a new customer last, so a scrape that counts them reflects every order above
    await send([order('late-customer', base + 50 * HOUR, 42)]);

    const metrics = await waitFor(
      () => api.metrics(),
      (m) => m.get('recstream_model_users') === 12,
      20_000,
    );
    const rmse = metrics.get('recstream_rls_rmse');
    expect(Number.isFinite(rmse)).toBe(true);
    // regular orders are predicted to within a few units; one user's orders may not inflate it by 10¹⁰
    expect(rmse).toBeLessThan(50);
    // regular-5 spends 70 to 80 per order
    const value = (await api.recommendations('regular-5')).userScores?.expectedOrderValue;
    expect(value).toBeGreaterThan(60);
    expect(value).toBeLessThan(90);
  });
});
