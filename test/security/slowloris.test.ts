import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { startTestApp, waitFor } from '../helpers/app.js';
import { TestClient } from '../serve/ws-client.js';
import { requestFrom } from './from-address.js';

const REQUEST_TIMEOUT_MS = 800;
const HEADERS_TIMEOUT_MS = 400;
/** How long a test waits for the server to end a slow connection before calling it held forever. */
const GIVE_UP_MS = 15_000;

interface Outcome {
  closedByServer: boolean;
  received: string;
}

/**
 * A slowloris client: sends `opening`, then one byte every 100 ms, and reports whether the server
 * closed the connection (and what it said) before GIVE_UP_MS.
 */
function dribble(app: RunningApp, opening: string, drip: string, localAddress = '127.0.0.1'): Promise<Outcome> {
  return new Promise((resolve) => {
    let received = '';
    let gaveUp = false;
    const socket: Socket = connect({ host: '127.0.0.1', port: app.port, localAddress }, () => socket.write(opening));
    const dripper = setInterval(() => {
      if (socket.writable) socket.write(drip);
    }, 100);
    const giveUp = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, GIVE_UP_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => {
      /* a reset after the answer is still the server ending it */
    });
    socket.on('close', () => {
      clearInterval(dripper);
      clearTimeout(giveUp);
      resolve({ closedByServer: !gaveUp, received });
    });
  });
}

describe('slow clients cannot hold connections forever', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('ends a request whose body arrives one byte at a time with 408', async () => {
    const headers = 'POST /v1/events HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[';
    const outcome = await dribble(app, headers, ' ');
    expect(outcome.closedByServer).toBe(true);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('ends a request whose headers never finish with 408', async () => {
    const outcome = await dribble(app, 'GET /healthz HTTP/1.1\r\nHost: shop\r\n', 'X');
    expect(outcome.closedByServer).toBe(true);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('keeps an upgraded WebSocket open well past the request timeout', async () => {
    const client = await TestClient.connect(`${app.url.replace(/^http/, 'ws')}/v1/stream`);
    await new Promise((resolve) => setTimeout(resolve, 3 * REQUEST_TIMEOUT_MS));
    expect(client.closeCode).toBeNull();
    expect(await client.subscribe('patient-user')).toMatchObject({ op: 'recommendations', userId: 'patient-user' });
    client.close();
  });

  it('still answers ordinary requests', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('connections per client address (HTTP_MAX_CONNECTIONS_PER_IP)', () => {
  const CAP = 4;
  let app: RunningApp;
  let wsUrl: string;
  beforeAll(async () => {
    app = await startTestApp({ HTTP_MAX_CONNECTIONS_PER_IP: String(CAP) });
    wsUrl = `${app.url.replace(/^http/, 'ws')}/v1/stream`;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('closes a connection over the cap at once and keeps serving other addresses', async () => {
    // WebSockets hold their connection without any timeout, the cheapest way to sit on sockets.
    const held = await Promise.all(Array.from({ length: CAP }, () => TestClient.connect(wsUrl, { localAddress: '127.0.0.9' })));
    await expect(TestClient.connect(wsUrl, { localAddress: '127.0.0.9' })).rejects.toThrow();
    await expect(requestFrom('127.0.0.9', `${app.url}/healthz`)).rejects.toThrow();

    expect((await requestFrom('127.0.0.10', `${app.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(Number(/^recstream_http_connections_refused_total (\d+)$/m.exec(metrics)?.[1])).toBe(2);

    // A closed connection frees its place.
    held.pop()!.close();
    const again = await waitFor(
      () =>
        TestClient.connect(wsUrl, { localAddress: '127.0.0.9' }).then(
          (c) => c,
          () => null,
        ),
      (c) => c !== null,
    );
    expect(again).not.toBeNull();
    again?.close();
    for (const c of held) c.close();
  });
});
