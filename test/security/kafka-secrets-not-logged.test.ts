/**
 * The SASL password and the TLS private key stay out of everything the engine prints: its logs
 * (kafkajs's own included, at trace level), the startup error, and any dump of the configuration.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecstream } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { tempDir } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';
import { type MockKafka, startMockKafka } from '../helpers/mock-kafka.js';

const PASSWORD = 'sasl-password-never-logged';
const KEY_TEXT = 'PRIVATE-KEY-BODY-NEVER-LOGGED';

let mock: MockKafka;

beforeAll(async () => {
  mock = await startMockKafka({ brokers: 1 });
}, 60_000);

afterAll(async () => {
  await mock?.stop();
});

describe('Kafka credentials are never printed', () => {
  it('a start with a SASL password logs the plaintext warning but neither the password nor its encoding', async () => {
    const { logger, text } = captureLog();
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      KAFKA_BROKERS: mock.bootstrap,
      KAFKA_SSL: 'false',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: PASSWORD,
    });
    // The mock cluster speaks no SASL, so the start fails at the SASL handshake and never reaches the
    // "recstream started" line (test/security/registry-basic-auth.test.ts checks that line with a
    // password in the configuration); the warning, kafkajs's logs and the error are checked here.
    const outcome = await startRecstream(config, { logger }).then(
      async (app) => {
        await app.stop();
        return 'started';
      },
      (e: Error) => `${e.name}: ${e.message}\n${inspect(e, { depth: 5 })}`,
    );
    expect(outcome).toMatch(/^LogUnreachable: cannot connect to Kafka/);
    expect(text()).toMatch(/KAFKA_SSL=false: SASL credentials travel unencrypted/);
    const printed = `${text()}\n${outcome}`;
    expect(printed).not.toContain(PASSWORD);
    expect(printed).not.toContain(Buffer.from(`\u0000svc\u0000${PASSWORD}`).toString('base64'));
  }, 60_000);

  it('a dump of the configuration shows neither the SASL password nor the private key', () => {
    const dir = tempDir();
    const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
    writeFileSync(join(dir, 'client.pem'), pem('CERTIFICATE', 'CERT'));
    writeFileSync(join(dir, 'client.key'), pem('PRIVATE KEY', KEY_TEXT));
    const config = loadConfig({
      KAFKA_BROKERS: 'broker.example.com:9094',
      KAFKA_SSL_CERT_FILE: join(dir, 'client.pem'),
      KAFKA_SSL_KEY_FILE: join(dir, 'client.key'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: PASSWORD,
    });
    expect(config.kafka?.tls?.key).toContain(KEY_TEXT);
    for (const dump of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
      expect(dump).not.toContain(PASSWORD);
      expect(dump).not.toContain(KEY_TEXT);
    }
  });
});
