import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { EVENT_SCHEMAS } from '../../src/events/schemas.js';
import { postEvents, startTestApp, tempDir, waitFor } from '../helpers/app.js';

const ADMIN_TOKEN = 'registry-admin-token-0123456789';
const WRITE_KEY = 'site-write-key';
const CT = 'application/vnd.schemaregistry.v1+json';
const REGISTRY_FILE = 'schema-registry.json';

/** The production-like setup the attack ran against. */
const productionEnv = (dataDir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  ADMIN_TOKEN,
  AUTH_SECRET: 'storefront-secret-0123456789abcdef',
  WRITE_KEYS: WRITE_KEY,
  DATA_DIR: dataDir,
  ...extra,
});

interface Answer {
  status: number;
  body: Record<string, unknown> & { error_code?: number; message?: string };
}

async function call(app: RunningApp, method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = CT;
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${app.registryUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Answer['body']) };
}

const unrelated = (name: string, padding = 0): string =>
  JSON.stringify({
    type: 'record',
    name,
    namespace: 'io.attacker',
    doc: 'x'.repeat(padding),
    fields: [{ name: 'payload', type: 'bytes' }],
  });

/** The attacker's four writes against the click subject. */
const takeover = [
  { method: 'PUT', path: '/config/clickstream-value', body: { compatibility: 'NONE' } },
  { method: 'DELETE', path: '/subjects/clickstream-value' },
  { method: 'POST', path: '/subjects/clickstream-value/versions', body: { schema: unrelated('Takeover') } },
  { method: 'PUT', path: '/config/clickstream-value', body: { compatibility: 'FULL_TRANSITIVE' } },
] as const;

function clicks(prefix: string, n: number): Array<Record<string, unknown>> {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    eventId: `${prefix}-${i}`,
    userId: `u-${i % 5}`,
    itemId: `sku-${i % 7}`,
    type: 'view',
    timestamp: now - 60_000 + i,
  }));
}

async function eventsApplied(app: RunningApp): Promise<number> {
  const res = await fetch(`${app.url}/v1/admin/digest`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await res.json()) as { eventsApplied: number }).eventsApplied;
}

async function sendAndAwait(app: RunningApp, prefix: string, n: number, alreadyApplied: number): Promise<void> {
  const sent = await postEvents(app, clicks(prefix, n), { 'x-write-key': WRITE_KEY });
  expect(sent).toMatchObject({ status: 202, body: { accepted: n } });
  await waitFor(
    () => eventsApplied(app),
    (applied) => applied >= alreadyApplied + n,
  );
}

async function registryFileWrites(app: RunningApp): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('recstream_schema_registry_writes_total{outcome="ok"}'));
  if (line === undefined) throw new Error('no recstream_schema_registry_writes_total{outcome="ok"} in /metrics');
  return Number(line.split(' ').at(-1));
}

describe('embedded schema registry takeover', () => {
  const apps: RunningApp[] = [];
  const start = async (env: Record<string, string>): Promise<RunningApp> => {
    const app = await startTestApp(env);
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()));
  });

  it('refuses every anonymous or wrongly authenticated write with 401 in the Confluent error shape, and changes nothing', async () => {
    const app = await start(productionEnv(tempDir()));
    const state = async () => ({
      latest: await call(app, 'GET', '/subjects/clickstream-value/versions/latest'),
      global: await call(app, 'GET', '/config'),
      subject: await call(app, 'GET', '/config/clickstream-value?defaultToGlobal=true'),
    });
    const before = await state();
    expect(before.latest.status).toBe(200);
    const ourId = before.latest.body.id as number;

    const writes = [
      ...takeover,
      { method: 'PUT', path: '/config', body: { compatibility: 'NONE' } },
      { method: 'DELETE', path: '/config/clickstream-value' },
    ];
    for (const write of writes) {
      for (const token of [undefined, 'not-the-admin-token']) {
        const answer = await call(app, write.method, write.path, 'body' in write ? write.body : undefined, token);
        expect(answer, `${write.method} ${write.path} with ${token ?? 'no token'}`).toMatchObject({
          status: 401,
          body: { error_code: 40101, message: expect.stringContaining('ADMIN_TOKEN') },
        });
      }
    }

    expect(await state()).toEqual(before);
    expect(before.global.body).toEqual({ compatibilityLevel: 'BACKWARD' });
    // Reads stay open: serializers of outside producers look schemas up without a token.
    expect((await call(app, 'GET', '/subjects')).body).toEqual(['clickstream-value', 'purchases-value', 'recommendations-value']);
    expect((await call(app, 'GET', `/schemas/ids/${ourId}`)).status).toBe(200);
    expect((await call(app, 'POST', '/subjects/clickstream-value', { schema: EVENT_SCHEMAS.ClickEvent.text })).body).toMatchObject({
      id: ourId,
    });

    // A producer that auto-registers without the token is told what to do instead.
    const producer = new SchemaRegistry({ host: app.registryUrl });
    const refused = await producer
      .register({ type: SchemaType.AVRO, schema: unrelated('AutoRegistered') }, { subject: 'clickstream-value' })
      .then(
        () => null,
        (e: unknown) => e as { status?: number; message: string },
      );
    expect(refused).toMatchObject({ status: 401 });
    expect(refused?.message).toMatch(/auto\.register\.schemas=false/);
    // The lookup a non-registering serializer makes still answers.
    expect(
      await producer.getRegistryIdBySchema('clickstream-value', { type: SchemaType.AVRO, schema: EVENT_SCHEMAS.ClickEvent.text }),
    ).toBe(ourId);
  });

  it('lets another process that points SCHEMA_REGISTRY_URL at this registry start without the token', async () => {
    const host = await start(productionEnv(tempDir()));
    // The peer finds its schemas already there and writes nothing, so the guarded writes do not stop it.
    const peer = await start(productionEnv(tempDir(), { SCHEMA_REGISTRY_URL: host.registryUrl }));
    expect(peer.registryUrl).toBe(host.registryUrl);
    expect((await call(host, 'GET', '/subjects/clickstream-value/versions')).body).toEqual([1]);
    await sendAndAwait(peer, 'peer', 5, 0);
  });

  it('starts again on a registry taken over with the admin token (as the attack did) and keeps processing events', async () => {
    const dir = tempDir();
    const first = await start(productionEnv(dir));
    await sendAndAwait(first, 'before', 20, 0);
    for (const write of takeover) {
      const answer = await call(first, write.method, write.path, 'body' in write ? write.body : undefined, ADMIN_TOKEN);
      expect(answer.status, `${write.method} ${write.path} with the admin token`).toBe(200);
    }
    await first.stop();

    const second = await start(productionEnv(dir));
    // Checked, not re-imposed: the subject keeps what the operator (or intruder) left there.
    const latest = await call(second, 'GET', '/subjects/clickstream-value/versions/latest');
    expect(JSON.parse(latest.body.schema as string)).toMatchObject({ name: 'Takeover' });
    expect((await call(second, 'GET', '/config/clickstream-value')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
    const restored = await waitFor(
      () => eventsApplied(second),
      (n) => n >= 20,
    );
    await sendAndAwait(second, 'after', 15, restored);
  });

  it('uses its schema from an earlier version when the subject has moved on to a compatible one, adding no version', async () => {
    const dir = tempDir();
    const first = await start(productionEnv(dir));
    const evolved = JSON.parse(EVENT_SCHEMAS.ClickEvent.text) as { fields: unknown[] };
    evolved.fields.push({ name: 'referrer', type: ['null', 'string'], default: null });
    expect(
      (await call(first, 'POST', '/subjects/clickstream-value/versions', { schema: JSON.stringify(evolved) }, ADMIN_TOKEN)).status,
    ).toBe(200);
    expect((await call(first, 'PUT', '/config/clickstream-value', { compatibility: 'FULL_TRANSITIVE' }, ADMIN_TOKEN)).status).toBe(200);
    await first.stop();

    const second = await start(productionEnv(dir));
    expect((await call(second, 'GET', '/subjects/clickstream-value/versions')).body).toEqual([1, 2]);
    await sendAndAwait(second, 'evolved', 10, 0);
  });

  it('refuses to start with a message naming the subject and the fix when its schema is gone and cannot be registered', async () => {
    const dir = tempDir();
    const first = await start(productionEnv(dir));
    const ours = await call(first, 'GET', '/subjects/recommendations-value/versions/latest');
    await first.stop();

    // Tampered on disk: our Recommendation schema removed, an unrelated one in its place, strictest level.
    const file = join(dir, REGISTRY_FILE);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      schemas: Array<{ id: number; schema: string }>;
      subjects: Record<string, { compatibility: string | null; versions: Array<{ version: number; id: number }> }>;
    };
    stored.schemas = stored.schemas.filter((s) => s.id !== ours.body.id);
    stored.schemas.push({ id: 99, schema: unrelated('Squatter') });
    stored.subjects['recommendations-value'] = { compatibility: 'FULL_TRANSITIVE', versions: [{ version: 1, id: 99 }] };
    writeFileSync(file, JSON.stringify(stored));

    await expect(start(productionEnv(dir))).rejects.toThrow(/recommendations-value[\s\S]*FULL_TRANSITIVE[\s\S]*ADMIN_TOKEN/);
  });

  it('bounds schema size, schema count, versions per subject and subjects, with Confluent error codes', async () => {
    const app = await start(
      productionEnv(tempDir(), {
        REGISTRY_MAX_SCHEMA_BYTES: '8192',
        REGISTRY_MAX_SCHEMAS: '5',
        REGISTRY_MAX_VERSIONS_PER_SUBJECT: '2',
        REGISTRY_MAX_SUBJECTS: '5',
      }),
    );
    const register = (subject: string, schema: string) => call(app, 'POST', `/subjects/${subject}/versions`, { schema }, ADMIN_TOKEN);

    const large = await register('large-value', unrelated('Large', 9000));
    expect(large).toMatchObject({
      status: 422,
      body: { error_code: 42209, message: expect.stringContaining('REGISTRY_MAX_SCHEMA_BYTES') },
    });
    const huge = await register('huge-value', unrelated('Huge', 512 * 1024));
    expect(huge).toMatchObject({ status: 413, body: { error_code: 41301, message: expect.stringContaining('REGISTRY_MAX_SCHEMA_BYTES') } });
    // Lookups are bounded the same way, before any parsing.
    expect((await call(app, 'POST', '/subjects/clickstream-value', { schema: unrelated('Large', 9000) })).body.error_code).toBe(42209);

    expect((await call(app, 'PUT', '/config/many-value', { compatibility: 'NONE' }, ADMIN_TOKEN)).status).toBe(200);
    expect((await register('many-value', unrelated('V1'))).status).toBe(200);
    expect((await register('many-value', unrelated('V2'))).status).toBe(200);
    // Our three schemas and V1, V2 make five: the limit on distinct schemas.
    expect(await register('many-value', unrelated('V3'))).toMatchObject({
      status: 422,
      body: { error_code: 42205, message: expect.stringContaining('REGISTRY_MAX_VERSIONS_PER_SUBJECT') },
    });
    expect(await register('other-value', unrelated('V3'))).toMatchObject({
      status: 422,
      body: { error_code: 42205, message: expect.stringContaining('REGISTRY_MAX_SCHEMAS') },
    });
    // A schema the registry already holds needs no new room.
    expect((await register('other-value', unrelated('V1'))).status).toBe(200);
    expect(await call(app, 'PUT', '/config/one-too-many-value', { compatibility: 'NONE' }, ADMIN_TOKEN)).toMatchObject({
      status: 422,
      body: { error_code: 42205, message: expect.stringContaining('REGISTRY_MAX_SUBJECTS') },
    });
    expect((await call(app, 'GET', '/subjects')).body).toEqual([
      'clickstream-value',
      'many-value',
      'other-value',
      'purchases-value',
      'recommendations-value',
    ]);
  });

  it('persists a burst of registrations with coalesced asynchronous writes, each durable before it is answered, and restores them', async () => {
    const dir = tempDir();
    const app = await start(productionEnv(dir));
    const file = join(dir, REGISTRY_FILE);
    const writesBefore = await registryFileWrites(app);
    const burst = Array.from({ length: 60 }, (_, i) => `burst-${i}-value`);

    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const outcomes = await Promise.all(
      burst.map(async (subject, i) => {
        const answer = await call(app, 'POST', `/subjects/${subject}/versions`, { schema: unrelated(`Burst${i}`, 50_000) }, ADMIN_TOKEN);
        // Read at the moment of the answer: the registration must already be in the file.
        const onDisk = JSON.parse(readFileSync(file, 'utf8')) as { subjects: Record<string, unknown> };
        return { status: answer.status, durable: subject in onDisk.subjects };
      }),
    );
    loopDelay.disable();

    expect(outcomes.every((o) => o.status === 200)).toBe(true);
    expect(outcomes.filter((o) => !o.durable)).toEqual([]);
    const writes = (await registryFileWrites(app)) - writesBefore;
    expect(writes).toBeGreaterThanOrEqual(1);
    // One write at a time; registrations that arrive meanwhile share the next one.
    expect(
      writes,
      `file writes for ${burst.length} registrations (event-loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms)`,
    ).toBeLessThan(burst.length);
    await app.stop();

    const restarted = await start(productionEnv(dir));
    const subjects = (await call(restarted, 'GET', '/subjects')).body as unknown as string[];
    expect(burst.filter((s) => !subjects.includes(s))).toEqual([]);
  });
});
