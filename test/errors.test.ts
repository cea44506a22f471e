import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/commands/command.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { EngineNotStarted } from '../src/engine/errors.js';
import { createError, RecstreamError } from '../src/errors.js';
import { ColumnError } from '../src/eval/columns.js';
import { Rejection } from '../src/events/fields.js';
import { SchemaRefused } from '../src/events/schema-source.js';
import { LogClosed, LogUnreachable, LogWriteFailed, UnknownPartition } from '../src/log/errors.js';
import { HttpError } from '../src/serve/errors.js';
import { incompatibleSchema, RegistryError, unauthorized } from '../src/serve/registry/errors.js';

/** Every `.ts` file under a folder, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const codesIn = (text: string, pattern: RegExp): Set<string> => new Set([...text.matchAll(pattern)].map((m) => m[1]));

describe('the error family', () => {
  it('createError makes a member with a fixed code, name, retriable flag, message and cause', () => {
    const Unreachable = createError(
      'RS_TEST_UNREACHABLE',
      'TestUnreachable',
      (host: string, port: number) => `cannot reach ${host}:${port}`,
      { retriable: true },
    );
    const cause = new Error('ECONNREFUSED');
    const err = new Unreachable('db', 5432, { cause });
    expect(err).toBeInstanceOf(Unreachable);
    expect(err).toBeInstanceOf(RecstreamError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'RS_TEST_UNREACHABLE', name: 'TestUnreachable', retriable: true, message: 'cannot reach db:5432' });
    expect(err.cause).toBe(cause);
    expect(Unreachable.code).toBe('RS_TEST_UNREACHABLE');
    expect(Unreachable.name).toBe('TestUnreachable');
    expect(String(err)).toBe('TestUnreachable [RS_TEST_UNREACHABLE]: cannot reach db:5432');
    expect(err.stack).toMatch(/^TestUnreachable: cannot reach db:5432/);

    const Closed = createError('RS_TEST_CLOSED', 'TestClosed', () => 'closed');
    expect(new Closed()).toMatchObject({ code: 'RS_TEST_CLOSED', retriable: false, message: 'closed' });
    expect(new Closed()).not.toBeInstanceOf(Unreachable);
    expect('cause' in new Closed()).toBe(false);
  });

  it('takes in the errors that were there before, keeping their names, fields and instanceof', () => {
    let config: unknown;
    try {
      loadConfig({ PORT: 'many' });
    } catch (err) {
      config = err;
    }
    expect(config).toBeInstanceOf(ConfigError);
    expect(config).toBeInstanceOf(RecstreamError);
    expect(config).toMatchObject({
      name: 'ConfigError',
      code: 'RS_CONFIG_INVALID',
      retriable: false,
      problems: [expect.stringContaining('PORT')],
    });

    const http = new HttpError('RS_OVERLOADED', 503, 'busy', { 'retry-after': '5' });
    expect(http).toMatchObject({
      name: 'HttpError',
      code: 'RS_OVERLOADED',
      statusCode: 503,
      headers: { 'retry-after': '5' },
      retriable: true,
    });
    expect(new HttpError('RS_LIMIT_INVALID', 400, 'bad limit').retriable).toBe(false);

    const registry = incompatibleSchema('s-value', ['a field changed']);
    expect(registry).toBeInstanceOf(RegistryError);
    expect(registry).toMatchObject({ name: 'RegistryError', code: 'RS_REGISTRY_INCOMPATIBLE_SCHEMA', status: 409, errorCode: 409 });
    // the wire answer stays Confluent's shape
    expect(JSON.parse(JSON.stringify(registry))).toEqual({ error_code: 409, message: registry.message });
    expect(unauthorized('no token', { 'www-authenticate': 'Bearer' })).toMatchObject({
      code: 'RS_REGISTRY_UNAUTHORIZED',
      headers: { 'www-authenticate': 'Bearer' },
    });
    expect(new RegistryError(500, 50001, 'store failed').code).toBe('RS_REGISTRY_ERROR');

    expect(new UsageError('--k is bad')).toMatchObject({ name: 'UsageError', code: 'RS_USAGE' });
    expect(new UsageError('--input cannot be read', 'RS_INPUT_UNREADABLE')).toMatchObject({
      name: 'UsageError',
      code: 'RS_INPUT_UNREADABLE',
    });
    expect(new Rejection('timestamp', 'too far ahead')).toMatchObject({
      name: 'Rejection',
      reason: 'timestamp',
      code: 'RS_EVENT_TIMESTAMP',
    });
    expect(new SchemaRefused('409: incompatible')).toMatchObject({ name: 'SchemaRefused', code: 'RS_SCHEMA_REFUSED' });
    expect(new ColumnError('no user column')).toMatchObject({ name: 'ColumnError', code: 'RS_INPUT_COLUMNS' });
    for (const err of [
      new UsageError('x'),
      new Rejection('invalid', 'x'),
      new SchemaRefused('x'),
      new ColumnError('x'),
      new EngineNotStarted(),
      new LogClosed(),
    ]) {
      expect(err).toBeInstanceOf(RecstreamError);
    }
  });

  it('marks what may pass as retriable and what needs a change as not', () => {
    expect(new EngineNotStarted().retriable).toBe(true);
    expect(new LogUnreachable(['k:9092'], 'ECONNREFUSED').retriable).toBe(true);
    expect(new LogClosed().retriable).toBe(false);
    expect(new UnknownPartition({ topic: 't', partition: 9 })).toMatchObject({ retriable: false, message: 'unknown partition t[9]' });
    // kafkajs's judgement of the cause, through its retries-exhausted wrapper
    const exhausted = Object.assign(new Error('retries exhausted'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: false,
      cause: { retriable: true },
    });
    expect(new LogWriteFailed(exhausted)).toMatchObject({ code: 'RS_LOG_WRITE_FAILED', retriable: true, cause: exhausted });
    const refused = Object.assign(new Error('not authorised'), { name: 'KafkaJSProtocolError', retriable: false });
    expect(new LogWriteFailed(refused).retriable).toBe(false);
  });

  it('src/errors.ts imports nothing of ours, so every layer may use it', () => {
    const text = readFileSync('src/errors.ts', 'utf8');
    expect(text).not.toMatch(/from '\./);
  });

  it('docs/ERRORS.md lists every code in src/, and no code that does not exist', () => {
    const used = new Set<string>();
    for (const file of sources('src')) for (const code of codesIn(readFileSync(file, 'utf8'), /'(RS_[A-Z_]+)'/g)) used.add(code);
    const documented = codesIn(readFileSync('docs/ERRORS.md', 'utf8'), /`(RS_[A-Z_]+)`/g);
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((c) => !documented.has(c)).sort()).toEqual([]);
    // RS_HTTP_ is the documented prefix of `RS_HTTP_<status>`
    expect([...documented].filter((c) => !used.has(c) && c !== 'RS_HTTP_').sort()).toEqual([]);
  });
});
