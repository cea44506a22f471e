/**
 * SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD: basic auth to an external registry, as
 * Confluent Cloud's needs. The external registry is another recstream's embedded one behind a small
 * HTTP front that answers 401 unless the request carries the right `Authorization: Basic`. The
 * credentials never appear in the engine's logs, even at trace level.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startTestApp } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';

const USERNAME = 'CLOUD-API-KEY';
const PASSWORD = 'cloud-api-secret-never-logged';

interface BasicAuthFront {
  url: string;
  authorized: number;
  refused: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Requires the credentials, then forwards the request to the registry at `target`. */
async function startBasicAuthFront(target: string): Promise<BasicAuthFront> {
  const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== expected) {
      front.refused += 1;
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="registry"' });
      res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    front.authorized += 1;
    const body = await readBody(req);
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
      body: body.length > 0 ? body : undefined,
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const front: BasicAuthFront = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorized: 0,
    refused: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return front;
}

let registryApp: RunningApp;
let front: BasicAuthFront;

beforeAll(async () => {
  registryApp = await startTestApp();
  front = await startBasicAuthFront(registryApp.registryUrl);
});

afterAll(async () => {
  await front?.close();
  await registryApp?.stop();
});

describe('an external schema registry behind basic auth', () => {
  it('starts with SCHEMA_REGISTRY_USERNAME/PASSWORD, registers its schemas, and logs neither', async () => {
    const { logger, text } = captureLog();
    const app = await startTestApp(
      { SCHEMA_REGISTRY_URL: front.url, SCHEMA_REGISTRY_USERNAME: USERNAME, SCHEMA_REGISTRY_PASSWORD: PASSWORD, LOG_LEVEL: 'trace' },
      { logger },
    );
    try {
      expect(front.authorized).toBeGreaterThan(0);
      const subjects = (await (await fetch(`${registryApp.registryUrl}/subjects`)).json()) as string[];
      expect(subjects).toEqual(expect.arrayContaining(['clickstream-value', 'purchases-value', 'recommendations-value']));
      expect(text()).toMatch(/recstream started/);
      expect(text()).not.toContain(PASSWORD);
      expect(text()).not.toContain(Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64'));
      expect(JSON.stringify(app.engine.config)).not.toContain(PASSWORD);
      expect(inspect(app.engine.config, { depth: 10 })).not.toContain(PASSWORD);
    } finally {
      await app.stop();
    }
  });

  it('fails to start without the credentials, naming the 401', async () => {
    const refusedBefore = front.refused;
    const err = await startTestApp({ SCHEMA_REGISTRY_URL: front.url }).then(
      (app) => app.stop().then(() => null),
      (e: Error & { code?: string }) => e,
    );
    expect(front.refused).toBeGreaterThan(refusedBefore);
    expect(err?.code).toBe('RS_SCHEMA_REGISTRY_UNAVAILABLE');
    expect(err?.message).toMatch(/HTTP 401.*check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD/);
  });

  it('keeps the password out of a dump of the configuration', () => {
    const config = loadConfig({ SCHEMA_REGISTRY_URL: front.url, SCHEMA_REGISTRY_USERNAME: USERNAME, SCHEMA_REGISTRY_PASSWORD: PASSWORD });
    expect(config.schemaRegistryAuth?.password).toBe(PASSWORD);
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
    expect(inspect(config, { depth: 10 })).not.toContain(PASSWORD);
  });
});
