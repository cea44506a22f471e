import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { tempDir } from './helpers/app.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults: embedded log, port 8080, the contract topic names', () => {
    const c = loadConfig({});
    expect(c.kafka).toBeNull();
    expect(c.port).toBe(8080);
    expect(c.groupId).toBe('recstream');
    expect(c.topics).toEqual({
      clicks: 'clickstream',
      purchases: 'purchases',
      recommendations: 'recommendations',
      dlq: 'recstream.dlq',
      changelog: 'recstream.changelog',
      itemDeltas: 'recstream.item-deltas',
      itemNeighbors: 'recstream.item-neighbors',
      modelParams: 'recstream.model-params',
      userState: 'recstream.user-state',
      itemState: 'recstream.item-state',
    });
  });

  it('reads Kafka, topics, keys and model knobs from the environment', () => {
    const c = loadConfig({
      KAFKA_BROKERS: 'a:9092, b:9093',
      TOPIC_CLICKS: 'clicks.v2',
      WRITE_KEYS: 'k1,k2',
      MODEL_HALF_LIFE_HOURS: '0',
      MODEL_NEIGHBORS: '25',
    });
    expect(c.kafka?.brokers).toEqual(['a:9092', 'b:9093']);
    expect(c.topics.clicks).toBe('clicks.v2');
    expect(c.writeKeys).toEqual(['k1', 'k2']);
    expect(c.model.halfLifeHours).toBe(0);
    expect(c.model.neighbors).toBe(25);
  });

  it('names every bad variable and how to fix it, all at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      KAFKA_BROKERS: 'localhost',
      AUTH_SECRET: 'short',
      LOG_LEVEL: 'loud',
      MODEL_NEIGHBORS: '-3',
      SCHEMA_REGISTRY_URL: 'not a url',
    });
    expect(problems).toHaveLength(6);
    expect(problems.find((p) => p.startsWith('PORT='))).toMatch(/set a TCP port/);
    expect(problems.find((p) => p.startsWith('KAFKA_BROKERS'))).toMatch(/host:port/);
    expect(problems.find((p) => p.startsWith('AUTH_SECRET'))).toMatch(/16 characters/);
    expect(problems.find((p) => p.startsWith('LOG_LEVEL'))).toMatch(/info/);
    expect(problems.find((p) => p.startsWith('MODEL_NEIGHBORS'))).toMatch(/≥ 1/);
    expect(problems.find((p) => p.startsWith('SCHEMA_REGISTRY_URL'))).toMatch(/not a URL/);
  });

  it('reads event weights as type=weight pairs and names a bad pair', () => {
    expect(loadConfig({ MODEL_EVENT_WEIGHTS: 'view=0.5, purchase=3' }).model.weights).toMatchObject({ view: 0.5, purchase: 3 });
    expect(problemsOf({ MODEL_EVENT_WEIGHTS: 'view=1,wishlist=2' })[0]).toMatch(/MODEL_EVENT_WEIGHTS has "wishlist=2"/);
  });

  it("reads the embedded registry's limits and names a bad one", () => {
    expect(loadConfig({}).registry).toEqual({ maxSchemaBytes: 262_144, maxSchemas: 1000, maxSubjects: 1000, maxVersionsPerSubject: 100 });
    expect(loadConfig({ REGISTRY_MAX_SCHEMAS: '50', REGISTRY_MAX_SCHEMA_BYTES: '65536' }).registry).toMatchObject({
      maxSchemas: 50,
      maxSchemaBytes: 65_536,
    });
    expect(problemsOf({ REGISTRY_MAX_SCHEMAS: '2' })[0]).toMatch(/REGISTRY_MAX_SCHEMAS="2" must be ≥ 3; set distinct schemas/);
    expect(problemsOf({ REGISTRY_MAX_SCHEMA_BYTES: 'big' })[0]).toMatch(/REGISTRY_MAX_SCHEMA_BYTES/);
  });

  it('reads the tolerance for event times ahead of the clock in seconds, one hour by default, at most a week', () => {
    expect(loadConfig({}).eventMaxFutureMs).toBe(3_600_000);
    expect(loadConfig({ EVENT_MAX_FUTURE_SECONDS: '300' }).eventMaxFutureMs).toBe(300_000);
    expect(problemsOf({ EVENT_MAX_FUTURE_SECONDS: '86400000' })[0]).toMatch(
      /^EVENT_MAX_FUTURE_SECONDS="86400000" must be ≤ 604800; set how far ahead/,
    );
  });

  it('reads the model caps, item idle days and heap shed ratio, and names bad values', () => {
    const c = loadConfig({ MODEL_MAX_USERS: '500', MODEL_MAX_ITEMS: '0', MODEL_ITEM_IDLE_DAYS: '7', HEAP_SHED_RATIO: '0.7' });
    expect(c.model).toMatchObject({ maxUsers: 500, maxItems: 0, itemIdleDays: 7 });
    expect(c.heapShedRatio).toBe(0.7);
    expect(loadConfig({}).model.maxUsers).toBeGreaterThan(0);
    expect(loadConfig({}).model.maxItems).toBeGreaterThan(0);
    const problems = problemsOf({ MODEL_MAX_USERS: '-1', MODEL_MAX_ITEMS: '1.5', HEAP_SHED_RATIO: '1.2' });
    expect(problems.find((p) => p.startsWith('MODEL_MAX_USERS'))).toMatch(/≥ 0.*least recently active/);
    expect(problems.find((p) => p.startsWith('MODEL_MAX_ITEMS'))).toMatch(/whole number/);
    expect(problems.find((p) => p.startsWith('HEAP_SHED_RATIO'))).toMatch(/≤ 1.*503/);
  });

  it('reads the embedded log retention per partition, 256 MiB and 7 days by default, -1 for no limit, and refuses 0 or a tiny budget', () => {
    expect(loadConfig({}).logRetention).toEqual({ bytes: 268_435_456, ms: 604_800_000 });
    expect(loadConfig({ LOG_RETENTION_BYTES: '-1', LOG_RETENTION_MS: '-1' }).logRetention).toEqual({ bytes: null, ms: null });
    expect(loadConfig({ LOG_RETENTION_BYTES: '1048576', LOG_RETENTION_MS: '3600000' }).logRetention).toEqual({
      bytes: 1_048_576,
      ms: 3_600_000,
    });
    const problems = problemsOf({ LOG_RETENTION_BYTES: '0', LOG_RETENTION_MS: '500' });
    expect(problems.find((p) => p.startsWith('LOG_RETENTION_BYTES'))).toMatch(/-1 \(no limit\) or at least 1048576/);
    expect(problems.find((p) => p.startsWith('LOG_RETENTION_MS'))).toMatch(/-1 \(no limit\) or at least 60000/);
    expect(problemsOf({ LOG_RETENTION_BYTES: '-2', LOG_RETENTION_MS: '1.5' })).toEqual([
      expect.stringMatching(/^LOG_RETENTION_BYTES="-2" must be ≥ -1; set bytes the embedded log keeps per partition/),
      expect.stringMatching(/^LOG_RETENTION_MS="1.5" must be a whole number; set how long the embedded log keeps records/),
    ]);
  });

  it('reads PSEUDONYMIZE_KEY or PSEUDONYMIZE_KEY_FILE, off by default, and refuses a short key, a missing file or both', () => {
    const key = 'k'.repeat(32);
    expect(loadConfig({}).pseudonymizeKey).toBeNull();
    expect(loadConfig({ PSEUDONYMIZE_KEY: key }).pseudonymizeKey).toBe(key);
    const file = join(tempDir(), 'pseudonymize.key');
    writeFileSync(file, `${key}\n`);
    expect(loadConfig({ PSEUDONYMIZE_KEY_FILE: file }).pseudonymizeKey).toBe(key);
    expect(problemsOf({ PSEUDONYMIZE_KEY: 'k'.repeat(31) })).toEqual([
      expect.stringMatching(/^PSEUDONYMIZE_KEY is shorter than 32 characters; set/),
    ]);
    expect(problemsOf({ PSEUDONYMIZE_KEY_FILE: `${file}.missing` })).toEqual([
      expect.stringMatching(/^PSEUDONYMIZE_KEY_FILE=".*missing" cannot be read \(ENOENT\)/),
    ]);
    writeFileSync(file, 'short\n');
    expect(problemsOf({ PSEUDONYMIZE_KEY_FILE: file })[0]).toMatch(/key in PSEUDONYMIZE_KEY_FILE=.* is shorter than 32 characters/);
    expect(problemsOf({ PSEUDONYMIZE_KEY: key, PSEUDONYMIZE_KEY_FILE: file })[0]).toMatch(/both set; set only one/);
  });

  it('refuses topic names that collide', () => {
    expect(problemsOf({ TOPIC_DLQ: 'clickstream' })[0]).toMatch(/topic names must differ/);
  });

  it('reads TRUST_PROXY as a boolean, a hop count or proxy addresses, and names a bad entry', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,loopback,fd00::/8' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.5',
      'loopback',
      'fd00::/8',
    ]);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33,lb.internal' })[0]).toMatch(
      /TRUST_PROXY has "10.0.0.0\/33", "lb.internal"; set TRUST_PROXY=false/,
    );
  });

  it('has HTTP timeouts and a per-address connection cap, off by default behind a trusted proxy', () => {
    expect(loadConfig({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      maxConnectionsPerIp: 128,
    });
    expect(loadConfig({ TRUST_PROXY: '1' }).http.maxConnectionsPerIp).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '1', HTTP_MAX_CONNECTIONS_PER_IP: '5000' }).http.maxConnectionsPerIp).toBe(5000);
    expect(problemsOf({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '2000' })[0]).toMatch(
      /HTTP_HEADERS_TIMEOUT_MS=2000 must not exceed HTTP_REQUEST_TIMEOUT_MS=1000/,
    );
    expect(loadConfig({}).tokenMaxTtlSeconds).toBe(604_800);
  });

  it('recstream start stops with exit code 2 and the message when the configuration is bad', async () => {
    const run = promisify(execFile);
    const err = await run(process.execPath, ['--import', 'tsx', 'test/helpers/run-cli.ts', 'start'], {
      env: { ...process.env, PORT: '70000' },
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/PORT="70000" must be ≤ 65535; set a TCP port/);
  });
});

describe('Kafka TLS/SASL and registry credentials', () => {
  const dir = tempDir('recstream-config-');
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
  const ca = file('ca.pem', pem('CERTIFICATE'));
  const cert = file('client.pem', pem('CERTIFICATE'));
  const key = file('client.key', pem('PRIVATE KEY'));
  const passwordFile = file('password', 's3cret-from-file\n');
  const brokers = { KAFKA_BROKERS: 'broker.example.com:9093' };

  it('is plaintext without TLS or SASL by default', () => {
    const k = loadConfig(brokers).kafka;
    expect(k?.tls).toBeNull();
    expect(k?.sasl).toBeNull();
    expect(loadConfig({}).schemaRegistryAuth).toBeNull();
  });

  it('reads TLS files and SASL credentials, a password from its _FILE without the trailing newline', () => {
    const k = loadConfig({
      ...brokers,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    }).kafka;
    expect(k?.tls).toEqual({ ca: pem('CERTIFICATE'), cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY') });
    expect(k?.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 's3cret-from-file' });
    expect(k?.saslInPlaintext).toBe(false);
  });

  it('turns TLS on when a CA file is given without KAFKA_SSL', () => {
    expect(loadConfig({ ...brokers, KAFKA_SSL_CA_FILE: ca }).kafka?.tls).toEqual({ ca: pem('CERTIFICATE'), cert: null, key: null });
  });

  it('accepts SASL in plaintext only when KAFKA_SSL=false is explicit', () => {
    const sasl = { ...brokers, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' };
    expect(problemsOf(sasl)).toEqual([expect.stringMatching(/^KAFKA_SASL_MECHANISM=plain without TLS .*set KAFKA_SSL=true/)]);
    const k = loadConfig({ ...sasl, KAFKA_SSL: 'false' }).kafka;
    expect(k?.tls).toBeNull();
    expect(k?.saslInPlaintext).toBe(true);
  });

  it.each([
    [
      'a mechanism without credentials',
      { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain' },
      [/^KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_USERNAME/, /needs KAFKA_SASL_PASSWORD/],
    ],
    [
      'a username without a mechanism',
      { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      [/^KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD set without KAFKA_SASL_MECHANISM; set KAFKA_SASL_MECHANISM=plain/],
    ],
    [
      'an unknown mechanism',
      { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      [/^KAFKA_SASL_MECHANISM="gssapi" is not supported; set one of plain, scram-sha-256, scram-sha-512/],
    ],
    [
      'a password and its _FILE',
      {
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_PASSWORD_FILE: passwordFile,
      },
      [/^KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set; set only one/],
    ],
    [
      'a password file that is missing',
      { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: join(dir, 'nope') },
      [/^KAFKA_SASL_PASSWORD_FILE=".*nope" cannot be read \(ENOENT\)/],
    ],
    [
      'a certificate without its key',
      { KAFKA_SSL_CERT_FILE: cert },
      [/^KAFKA_SSL_CERT_FILE is set without KAFKA_SSL_KEY_FILE; mutual TLS needs both/],
    ],
    ['a key without its certificate', { KAFKA_SSL_KEY_FILE: key }, [/^KAFKA_SSL_KEY_FILE is set without KAFKA_SSL_CERT_FILE/]],
    [
      'a CA file that does not exist',
      { KAFKA_SSL_CA_FILE: join(dir, 'missing-ca.pem') },
      [/^KAFKA_SSL_CA_FILE=".*missing-ca.pem" cannot be read \(ENOENT\)/],
    ],
    ['a CA file that is not PEM', { KAFKA_SSL_CA_FILE: file('ca.txt', 'hello') }, [/^KAFKA_SSL_CA_FILE=".*ca.txt" holds no PEM block/]],
    [
      'TLS files with KAFKA_SSL=false',
      { KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: ca },
      [/^KAFKA_SSL=false contradicts KAFKA_SSL_CA_FILE; set KAFKA_SSL=true/],
    ],
    [
      'KAFKA_SSL that is no boolean',
      { KAFKA_SSL: 'sometimes' },
      [/^KAFKA_SSL="sometimes" is not a boolean; set KAFKA_SSL=true or KAFKA_SSL=false/],
    ],
    [
      'a registry username without password',
      { SCHEMA_REGISTRY_URL: 'https://sr.example.com', SCHEMA_REGISTRY_USERNAME: 'key' },
      [/^SCHEMA_REGISTRY_USERNAME is set without SCHEMA_REGISTRY_PASSWORD/],
    ],
    [
      'a registry password without username',
      { SCHEMA_REGISTRY_URL: 'https://sr.example.com', SCHEMA_REGISTRY_PASSWORD: 'secret' },
      [/^SCHEMA_REGISTRY_PASSWORD is set without SCHEMA_REGISTRY_USERNAME/],
    ],
    [
      'registry credentials without a registry URL',
      { SCHEMA_REGISTRY_USERNAME: 'key', SCHEMA_REGISTRY_PASSWORD: 'secret' },
      [/^SCHEMA_REGISTRY_USERNAME\/PASSWORD are set without SCHEMA_REGISTRY_URL/],
    ],
  ] as Array<[string, Record<string, string>, RegExp[]]>)('refuses %s, naming the variable', (_case, env, expected) => {
    const problems = problemsOf({ ...brokers, ...env });
    expect(problems).toEqual(expected.map((re) => expect.stringMatching(re)));
  });

  it('names a path it cannot read as a file', () => {
    expect(problemsOf({ ...brokers, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: dir })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE=".*" cannot be read \(EISDIR\); point it at a file this process can read/),
    ]);
  });

  it('reads registry basic auth, the password from a file', () => {
    expect(
      loadConfig({
        SCHEMA_REGISTRY_URL: 'https://sr.example.com',
        SCHEMA_REGISTRY_USERNAME: 'key',
        SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile,
      }).schemaRegistryAuth,
    ).toEqual({ username: 'key', password: 's3cret-from-file' });
  });

  it('never puts a secret in a problem message', () => {
    const problems = problemsOf({
      ...brokers,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'hunter2-do-not-print',
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      SCHEMA_REGISTRY_PASSWORD: 'registry-do-not-print',
    });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toMatch(/do-not-print|s3cret-from-file/);
  });
});
