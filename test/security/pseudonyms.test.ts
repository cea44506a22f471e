import { createHmac } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import type { LogRecord } from '../../src/log/types.js';
import { mintToken } from '../../src/serve/tokens.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';
import { ReadApi } from '../helpers/read-api.js';
import { readTopic } from '../helpers/topics.js';
import { TestClient } from '../serve/ws-client.js';

const PSEUDONYMIZE_KEY = 'pseudonym-test-key-0123456789abcdef0123456789';
const AUTH_SECRET = 'pseudonym-test-auth-secret';
const ADMIN_TOKEN = 'pseudonym-test-admin-token';
const ALICE = 'alice@example.com';
const MINUTE = 60_000;
const TOPICS = ['clickstream', 'purchases', 'recommendations', 'recstream.dlq', 'recstream.changelog'];

/** The documented pseudonym, computed here independently of the engine's module. */
const ALICE_PSEUDONYM = `~${createHmac('sha256', PSEUDONYMIZE_KEY).update(ALICE).digest('base64url').slice(0, 22)}`;

/** Any trace of the raw id: as sent, percent-encoded, or its local part. */
const RAW = /alice/i;

let eventSeq = 0;
/** Page views a minute apart; event ids are the website's own and say nothing of the user. */
function views(userId: string, items: string[], start: number): unknown[] {
  return items.map((itemId, k) => ({ eventId: `event-${eventSeq++}`, userId, type: 'view', itemId, timestamp: start + k * MINUTE }));
}

function recordText(r: LogRecord): string {
  return [r.key?.toString('latin1') ?? '', r.value?.toString('latin1') ?? '', JSON.stringify(r.headers)].join('\n');
}

async function topicsText(app: RunningApp, topics = TOPICS): Promise<string> {
  const out: string[] = [];
  for (const topic of topics) for (const r of await readTopic(app.log, topic)) out.push(`${topic}: ${recordText(r)}`);
  return out.join('\n');
}

describe('PSEUDONYMIZE_KEY: user ids are replaced by keyed pseudonyms before anything holds them', () => {
  const apps: RunningApp[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const app of apps.splice(0)) await app.stop();
  });

  it('keeps the raw id out of topics, metrics, logs and the digest; tokens, reads and erasure take the original id', async () => {
    const dir = tempDir();
    const env = { PSEUDONYMIZE_KEY, AUTH_SECRET, ADMIN_TOKEN, DATA_DIR: dir, LOG_LEVEL: 'trace' };
    const captured = captureLog();
    const app = await startTestApp(env, { logger: captured.logger });
    apps.push(app);
    const api = new ReadApi(app, ADMIN_TOKEN);
    const aliceToken = mintToken(AUTH_SECRET, ALICE, 3600);

    const ws = await TestClient.connect(`${app.url.replace('http', 'ws')}/v1/stream`);
    clients.push(ws);
    const first = await ws.subscribe(ALICE, aliceToken);
    expect(first).toMatchObject({ op: 'recommendations', userId: ALICE });

    const base = Date.now() - 60 * MINUTE;
    const others = [...views('bob', ['a', 'b', 'd'], base), ...views('carol', ['a', 'b', 'd'], base + 5 * MINUTE)];
    expect((await postEvents(app, others)).body.accepted).toBe(others.length);
    await api.whenApplied(others.length);
    const alice = views(ALICE, ['a', 'b'], base + 20 * MINUTE);
    expect((await postEvents(app, alice)).body.accepted).toBe(alice.length);
    await api.whenApplied(others.length + alice.length);

    // her storefront token still subscribes and her list arrives under the id she subscribed with
    const pushed = await ws.next((f) => f.op === 'recommendations' && Array.isArray(f.items) && f.items.length > 0);
    expect(pushed.userId).toBe(ALICE);
    expect((pushed.items as Array<{ itemId: string }>).map((i) => i.itemId)).toContain('d');

    // the read API takes her token and original id, and answers with the id asked with
    const read = await fetch(`${app.url}/v1/users/${encodeURIComponent(ALICE)}/recommendations`, {
      headers: { authorization: `Bearer ${aliceToken}` },
    });
    expect(read.status).toBe(200);
    const list = (await read.json()) as { userId: string; items: Array<{ itemId: string }> };
    expect(list.userId).toBe(ALICE);
    expect(list.items.map((i) => i.itemId)).toContain('d');

    // nothing stored or emitted holds the raw id; her records are there under the pseudonym
    const stored = await topicsText(app);
    expect(stored).not.toMatch(RAW);
    const clicks = await readTopic(app.log, 'clickstream');
    expect(clicks.filter((r) => r.key?.toString() === ALICE_PSEUDONYM)).toHaveLength(alice.length);
    const recs = await readTopic(app.log, 'recommendations');
    expect(recs.some((r) => r.key?.toString() === ALICE_PSEUDONYM)).toBe(true);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('recstream_events_total');
    expect(metrics).not.toMatch(RAW);
    const digest = await api.digest();
    expect(digest.users).toBe(3);
    expect(JSON.stringify(digest)).not.toMatch(RAW);

    // a website producing straight to Kafka sends her original id (and keys by it): learned under the pseudonym
    const registry = new SchemaRegistry({ host: app.registryUrl });
    const clickSchema = await registry.getLatestSchemaId('clickstream-value');
    const direct = { eventId: 'event-direct', userId: ALICE, type: 'view', itemId: 'e', timestamp: base + 30 * MINUTE };
    await app.log.produce([
      { topic: 'clickstream', key: ALICE, value: await registry.encode(clickSchema, direct) },
      { topic: 'clickstream', key: ALICE, value: Buffer.from('not avro') },
    ]);
    const afterDirect = await api.whenApplied(others.length + alice.length + 1);
    expect(afterDirect.users).toBe(3);
    const dlq = await waitFor(
      () => readTopic(app.log, 'recstream.dlq'),
      (r) => r.length >= 1,
    );
    expect(dlq.map((r) => r.key?.toString())).toEqual([ALICE_PSEUDONYM]);
    const directList = await waitFor(
      async () => (await readTopic(app.log, 'recommendations')).filter((r) => r.key?.toString() === ALICE_PSEUDONYM),
      (r) => r.length >= 2,
    );
    expect(directList.length).toBeGreaterThanOrEqual(2);
    expect(await topicsText(app, ['recommendations', 'recstream.dlq', 'recstream.changelog'])).not.toMatch(RAW);

    // erasure takes the original id
    const erased = await fetch(`${app.url}/v1/users/${encodeURIComponent(ALICE)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(erased.status).toBe(204);
    // her take-backs reach the item state through item-deltas: the state the erasure left is the settled one
    const live = await waitFor(
      () => api.digest(),
      (d) => d.settled,
    );
    expect(live.users).toBe(2);
    expect(await topicsText(app, ['recommendations', 'recstream.changelog'])).not.toMatch(RAW);
    expect(captured.text().length).toBeGreaterThan(0);
    expect(captured.text()).not.toMatch(RAW);
    await app.stop();
    apps.splice(0);

    // a restart replays the log (with her directly produced, raw-keyed record) and does not bring her back
    const second = await startTestApp(env, { logger: captured.logger });
    apps.push(second);
    const replayApi = new ReadApi(second, ADMIN_TOKEN);
    await replayApi.whenApplied(others.length);
    await waitFor(
      () => fetch(`${second.url}/readyz`).then((r) => r.status),
      (s) => s === 200,
    );
    // she is not restored, and none of her three events (two through the collector, one keyed by her
    // raw id) is learned again: the state is the one the erasure left (its event count included)
    const replayed = await replayApi.digest();
    expect({ users: replayed.users, eventsApplied: replayed.eventsApplied }).toEqual({ users: 2, eventsApplied: live.eventsApplied });
    expect(replayed.stateHash).toBe(live.stateHash);
    expect(captured.text()).not.toMatch(RAW);
  });
});
