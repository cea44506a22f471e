/**
 * KAFKA_SSL* against a real TLS handshake and a real Kafka answer.
 *
 * librdkafka's mock cluster speaks only plaintext and cannot be told what address to advertise, so a
 * TLS-terminating proxy in front of it carries only the bootstrap connection: the metadata it answers
 * names the mock's own plaintext port, and kafkajs sends every later request (produce, fetch, group
 * coordination) there directly, where a TLS client cannot talk. The full consume/produce path can
 * therefore not run over TLS on this machine. What is checked honestly here: the configuration's
 * TLS settings, as the log layer hands them to kafkajs, complete a handshake with a server whose
 * certificate our throwaway CA signed, and the client's first Kafka requests (ApiVersions, Metadata)
 * travel through that TLS session and are answered; and a CA that did not sign the server's
 * certificate makes the connection fail with the certificate error named, before any byte reaches
 * the broker.
 */
import { connect, type Server, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { KafkaLog } from '../../src/log/kafka.js';
import { kafkaSecurityOptions } from '../../src/log/kafka-security.js';
import { type MockKafka, startMockKafka } from '../helpers/mock-kafka.js';
import { makeTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

interface TlsProxy {
  address: string;
  /** TLS sessions that completed the handshake. */
  sessions: number;
  bytesToBroker: number;
  bytesFromBroker: number;
  /** Handshakes the client broke off. */
  failedHandshakes: number;
  close(): Promise<void>;
}

/** Terminates TLS and forwards the plaintext to the broker, counting what flows. */
async function startTlsProxy(fixtures: TlsFixtures, broker: string): Promise<TlsProxy> {
  const [host, port] = broker.split(':') as [string, string];
  const open = new Set<Socket>();
  const server: Server = createServer({ key: fixtures.serverKey, cert: fixtures.serverCert }, (client: TLSSocket) => {
    proxy.sessions += 1;
    const upstream = connect(Number(port), host);
    open.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      proxy.bytesToBroker += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      proxy.bytesFromBroker += chunk.length;
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.on('tlsClientError', () => {
    proxy.failedHandshakes += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: TlsProxy = {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    sessions: 0,
    bytesToBroker: 0,
    bytesFromBroker: 0,
    failedHandshakes: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

let mock: MockKafka;
let fixtures: TlsFixtures;
let proxy: TlsProxy;

beforeAll(async () => {
  mock = await startMockKafka({ brokers: 1 });
  fixtures = await makeTlsFixtures();
}, 60_000);

afterAll(async () => {
  await mock?.stop();
});

async function withProxy<T>(run: (proxy: TlsProxy) => Promise<T>): Promise<T> {
  proxy = await startTlsProxy(fixtures, mock.brokers[0]!);
  try {
    return await run(proxy);
  } finally {
    await proxy.close();
  }
}

describe('Kafka over TLS (KAFKA_SSL, KAFKA_SSL_CA_FILE)', () => {
  it('completes the handshake with the configured CA and gets Kafka answers through the TLS session', async () => {
    await withProxy(async (p) => {
      const config = loadConfig({ KAFKA_BROKERS: p.address, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: fixtures.caFile });
      const kafka = new Kafka({
        brokers: config.kafka!.brokers,
        clientId: 'recstream-tls-test',
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
        ...kafkaSecurityOptions(config.kafka!),
      });
      const admin = kafka.admin();
      const answered: Array<{ broker: string; apiName: string }> = [];
      admin.on(admin.events.REQUEST, ({ payload }) => answered.push({ broker: payload.broker, apiName: payload.apiName }));
      await admin.connect();
      try {
        // Metadata goes to the bootstrap connection (through the proxy); describeCluster then asks a broker
        // from that answer, which advertises the mock's own plaintext port, and TLS there is reset: the
        // reason nothing after the bootstrap connection can be checked over TLS here.
        const bypass = await admin.describeCluster().then(
          () => null,
          (e: Error & { cause?: { broker?: string } }) => e,
        );
        expect(bypass?.cause?.broker).toBe(mock.brokers[0]);
        expect(answered.filter((r) => r.broker === p.address).map((r) => r.apiName)).toEqual(
          expect.arrayContaining(['ApiVersions', 'Metadata']),
        );
        expect(p.sessions).toBeGreaterThanOrEqual(1);
        expect(p.failedHandshakes).toBe(0);
        expect(p.bytesToBroker).toBeGreaterThan(0);
        expect(p.bytesFromBroker).toBeGreaterThan(0);
      } finally {
        await admin.disconnect();
      }
    });
  });

  it('refuses a server whose certificate the configured CA did not sign, naming the certificate error', async () => {
    await withProxy(async (p) => {
      const config = loadConfig({ KAFKA_BROKERS: p.address, KAFKA_SSL_CA_FILE: fixtures.otherCaFile });
      const log = new KafkaLog({
        brokers: config.kafka!.brokers,
        clientId: 'recstream-tls-test',
        retry: { retries: 0 },
        connectionTimeout: 5_000,
        ...kafkaSecurityOptions(config.kafka!),
      });
      try {
        const err = await log.connect().then(
          () => null,
          (e: Error & { code?: string }) => e,
        );
        expect(err?.code).toBe('RS_LOG_UNREACHABLE');
        expect(err?.message).toMatch(/certificate/i);
        expect(p.bytesToBroker).toBe(0);
      } finally {
        await log.close();
      }
    });
  });
});
