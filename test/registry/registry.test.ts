import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS } from '../../src/events/schemas.js';
import { registryFile, SchemaStore } from '../../src/serve/registry/index.js';
import { type RunningRegistry, startRegistry } from './start-registry.js';

const CT = 'application/vnd.schemaregistry.v1+json';
const clickText = EVENT_SCHEMAS.ClickEvent.text;
const purchaseText = EVENT_SCHEMAS.PurchaseEvent.text;

function withField(text: string, field: Record<string, unknown>): string {
  const schema = JSON.parse(text) as { fields: unknown[] };
  schema.fields.push(field);
  return JSON.stringify(schema);
}

async function call(reg: RunningRegistry, method: string, path: string, body?: unknown) {
  const res = await fetch(`${reg.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': CT },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
}

describe('embedded schema registry with the official client', () => {
  let reg: RunningRegistry;
  let client: SchemaRegistry;
  beforeEach(async () => {
    reg = await startRegistry();
    client = new SchemaRegistry({ host: reg.url });
  });
  afterEach(() => reg.close());

  it('registers, looks up by id, subject, version and latest', async () => {
    const { id } = await client.register({ type: SchemaType.AVRO, schema: clickText }, { subject: 'clickstream-value' });
    expect(id).toBeGreaterThan(0);
    const type = await client.getSchema(id);
    expect((type as { name?: string }).name).toBe('io.recstream.ClickEvent');
    expect(await client.getLatestSchemaId('clickstream-value')).toBe(id);
    expect(await client.getRegistryId('clickstream-value', 1)).toBe(id);
    expect(await client.getRegistryIdBySchema('clickstream-value', { type: SchemaType.AVRO, schema: clickText })).toBe(id);

    const version = await call(reg, 'GET', '/subjects/clickstream-value/versions/latest');
    expect(version.status).toBe(200);
    expect(version.contentType).toContain(CT);
    expect(version.body).toMatchObject({ subject: 'clickstream-value', version: 1, id });
    expect(JSON.parse(version.body.schema as string)).toEqual(JSON.parse(clickText));
    expect((await call(reg, 'GET', `/schemas/ids/${id}`)).body).toEqual({ schema: JSON.stringify(JSON.parse(clickText)) });
    expect((await call(reg, 'GET', '/subjects')).body).toEqual(['clickstream-value']);
    expect((await call(reg, 'GET', '/subjects/clickstream-value/versions')).body).toEqual([1]);
    const lookup = await call(reg, 'POST', '/subjects/clickstream-value', { schema: clickText });
    expect(lookup.body).toMatchObject({ subject: 'clickstream-value', id, version: 1 });
    // The client sets the subject's level on first registration, as against a real Confluent registry.
    expect((await call(reg, 'GET', '/config/clickstream-value')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('gives the same schema the same id, across subjects and whitespace, without new versions', async () => {
    const a = await client.register({ type: SchemaType.AVRO, schema: clickText }, { subject: 'clickstream-value' });
    const again = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(JSON.parse(clickText), null, 4) },
      { subject: 'clickstream-value' },
    );
    const other = await client.register({ type: SchemaType.AVRO, schema: clickText }, { subject: 'other-value' });
    const purchase = await client.register({ type: SchemaType.AVRO, schema: purchaseText }, { subject: 'purchases-value' });
    expect(again.id).toBe(a.id);
    expect(other.id).toBe(a.id);
    expect(purchase.id).not.toBe(a.id);
    expect((await call(reg, 'GET', '/subjects/clickstream-value/versions')).body).toEqual([1]);
    expect((await call(reg, 'GET', `/schemas/ids/${a.id}/versions`)).body).toEqual([
      { subject: 'clickstream-value', version: 1 },
      { subject: 'other-value', version: 1 },
    ]);
  });

  it('accepts a compatible evolution (added optional field) as a new version', async () => {
    const v1 = await client.register({ type: SchemaType.AVRO, schema: clickText }, { subject: 'clickstream-value' });
    const evolved = withField(clickText, { name: 'referrer', type: ['null', 'string'], default: null });
    const check = await call(reg, 'POST', '/compatibility/subjects/clickstream-value/versions/latest', { schema: evolved });
    expect(check.body).toEqual({ is_compatible: true });
    const v2 = await client.register({ type: SchemaType.AVRO, schema: evolved }, { subject: 'clickstream-value' });
    expect(v2.id).not.toBe(v1.id);
    expect((await call(reg, 'GET', '/subjects/clickstream-value/versions')).body).toEqual([1, 2]);
    expect(await client.getLatestSchemaId('clickstream-value')).toBe(v2.id);
  });

  it('refuses an incompatible change with 409 and says why', async () => {
    await client.register({ type: SchemaType.AVRO, schema: clickText }, { subject: 'clickstream-value' });
    const required = withField(clickText, { name: 'storeId', type: 'string' });
    const res = await call(reg, 'POST', '/subjects/clickstream-value/versions', { schema: required });
    expect(res.status).toBe(409);
    expect(res.body.error_code).toBe(409);
    expect(res.body.message).toMatch(
      /^Schema being registered is incompatible with an earlier schema for subject "clickstream-value", details: /,
    );
    expect(res.body.message).toContain('READER_FIELD_MISSING_DEFAULT_VALUE');
    expect(res.body.message).toContain("'storeId'");
    expect(res.body.message).toContain("{compatibility: 'BACKWARD'}");
    await expect(client.register({ type: SchemaType.AVRO, schema: required }, { subject: 'clickstream-value' })).rejects.toThrow(
      /incompatible with an earlier schema/,
    );
    const verbose = await call(reg, 'POST', '/compatibility/subjects/clickstream-value/versions/latest?verbose=true', { schema: required });
    expect(verbose.body.is_compatible).toBe(false);
    expect((verbose.body.messages as string[]).join(' ')).toContain('storeId');
    const typeChange = JSON.parse(clickText) as { fields: Array<{ name: string; type: unknown }> };
    typeChange.fields.find((f) => f.name === 'itemId')!.type = 'int';
    const mismatch = await call(reg, 'POST', '/subjects/clickstream-value/versions', { schema: JSON.stringify(typeChange) });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.message).toContain('TYPE_MISMATCH');
    expect((await call(reg, 'GET', '/subjects/clickstream-value/versions')).body).toEqual([1]);
  });

  it('honours compatibility configuration: global, per subject, NONE and FORWARD', async () => {
    expect((await call(reg, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    const missing = await call(reg, 'GET', '/config/clickstream-value');
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe(40408);
    expect((await call(reg, 'GET', '/config/clickstream-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call(reg, 'POST', '/subjects/clickstream-value/versions', { schema: clickText })).status).toBe(200);

    expect((await call(reg, 'PUT', '/config/clickstream-value', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
    const required = withField(clickText, { name: 'storeId', type: 'string' });
    expect((await call(reg, 'POST', '/subjects/clickstream-value/versions', { schema: required })).status).toBe(200);

    await call(reg, 'PUT', '/config', { compatibility: 'FORWARD' });
    await call(reg, 'POST', '/subjects/forward-value/versions', { schema: clickText });
    // FORWARD: old readers must read new data, so dropping a required field is refused but adding one is fine.
    expect((await call(reg, 'POST', '/subjects/forward-value/versions', { schema: required })).status).toBe(200);
    const dropped = JSON.parse(clickText) as { fields: Array<{ name: string }> };
    dropped.fields = dropped.fields.filter((f) => f.name !== 'itemId');
    expect((await call(reg, 'POST', '/subjects/forward-value/versions', { schema: JSON.stringify(dropped) })).status).toBe(409);

    const bad = await call(reg, 'PUT', '/config', { compatibility: 'SOMETIMES' });
    expect(bad.status).toBe(422);
    expect(bad.body.error_code).toBe(42203);
  });

  it('answers errors in the Confluent shape', async () => {
    const invalid = await call(reg, 'POST', '/subjects/x-value/versions', {
      schema: '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error_code).toBe(42201);
    expect(invalid.body.message).toContain('nope');
    expect((await call(reg, 'POST', '/subjects/x-value/versions', { schema: 'not json' })).body.error_code).toBe(42201);
    expect((await call(reg, 'POST', '/subjects/x-value/versions', { schema: clickText, schemaType: 'PROTOBUF' })).body.error_code).toBe(
      42201,
    );
    expect((await call(reg, 'GET', '/schemas/ids/999')).body).toEqual({ error_code: 40403, message: 'Schema 999 not found' });
    expect((await call(reg, 'GET', '/subjects/none-value/versions')).body.error_code).toBe(40401);
    await call(reg, 'POST', '/subjects/x-value/versions', { schema: clickText });
    const noVersion = await call(reg, 'GET', '/subjects/x-value/versions/7');
    expect([noVersion.status, noVersion.body.error_code]).toEqual([404, 40402]);
    const badVersion = await call(reg, 'GET', '/subjects/x-value/versions/first');
    expect([badVersion.status, badVersion.body.error_code]).toEqual([422, 42202]);
    const notThere = await call(reg, 'POST', '/subjects/x-value', { schema: purchaseText });
    expect([notThere.status, notThere.body.error_code]).toEqual([404, 40403]);
    await expect(client.getSchema(424242)).rejects.toMatchObject({ status: 404 });
  });

  it('serves the smaller endpoints producers and tools call', async () => {
    expect((await call(reg, 'GET', '/schemas/types')).body).toEqual(['AVRO']);
    expect((await call(reg, 'GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    // Java serializers send an empty references list; a compatibility check on a new subject passes.
    const fresh = await call(reg, 'POST', '/compatibility/subjects/new-value/versions/latest', { schema: clickText, references: [] });
    expect(fresh.body).toEqual({ is_compatible: true });
    expect((await call(reg, 'POST', '/compatibility/subjects/new-value/versions/1', { schema: clickText })).body.error_code).toBe(40401);
    const { body } = await call(reg, 'POST', '/subjects/new-value/versions', { schema: clickText, references: [] });
    expect((await call(reg, 'GET', '/subjects/new-value/versions/1/schema')).body).toEqual(JSON.parse(clickText));
    expect((await call(reg, 'DELETE', '/subjects/new-value')).body).toEqual([1]);
    expect((await call(reg, 'GET', '/subjects')).body).toEqual([]);
    // Data written with a deleted subject's schema stays readable.
    expect((await call(reg, 'GET', `/schemas/ids/${body.id as number}`)).status).toBe(200);
  });
});

describe('embedded schema registry persistence', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps ids, versions and levels across restarts when given a data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recstream-registry-'));
    dirs.push(dir);
    const first = await startRegistry(dir);
    const a = await call(first, 'POST', '/subjects/clickstream-value/versions', { schema: clickText });
    await call(first, 'PUT', '/config/clickstream-value', { compatibility: 'FULL' });
    await first.close();

    const second = await startRegistry(dir);
    try {
      expect((await call(second, 'GET', `/schemas/ids/${a.body.id as number}`)).body.schema).toBe(JSON.stringify(JSON.parse(clickText)));
      expect((await call(second, 'GET', '/config/clickstream-value')).body).toEqual({ compatibilityLevel: 'FULL' });
      const b = await call(second, 'POST', '/subjects/purchases-value/versions', { schema: purchaseText });
      expect(b.body.id).not.toBe(a.body.id);
      expect((await call(second, 'POST', '/subjects/clickstream-value/versions', { schema: clickText })).body.id).toBe(a.body.id);
    } finally {
      await second.close();
    }
  });

  it('refuses a registry file it cannot load with RS_REGISTRY_FILE_CORRUPT, naming the file and the way out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recstream-registry-'));
    dirs.push(dir);
    const file = registryFile(dir);
    for (const [text, problem] of [
      ['{"format":1,', 'is not JSON'],
      ['{"format":1}', 'is not a schema registry snapshot'],
    ] as const) {
      writeFileSync(file, text);
      let refusal: unknown = null;
      try {
        new SchemaStore({ file });
      } catch (err) {
        refusal = err;
      }
      expect(refusal).toMatchObject({ name: 'RegistryFileCorrupt', code: 'RS_REGISTRY_FILE_CORRUPT', retriable: false });
      expect((refusal as Error).message.startsWith(`${file} ${problem} (`)).toBe(true);
      expect((refusal as Error).message).toContain('restore it from a backup, or move it away');
    }
  });
});
