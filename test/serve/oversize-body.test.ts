import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { startTestApp } from '../helpers/app.js';
import { type EngineProcess, spawnEngine, waitReady } from '../helpers/engine-process.js';

const WRITE_KEY = 'oversize-test-key';
/** Far above MAX_BODY_BYTES (1 MiB) and above what loopback socket buffers take in before a reset. */
const SEVERAL_MB = 16_000_000;
/** A reset races the client's read of the answer, so one try could pass by luck; ten in a row do not. */
const ATTEMPTS = 10;

function postBody(url: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-write-key': WRITE_KEY, ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

/** A body without Content-Length (chunked), `bytes` long, made as it is read. */
function streamOf(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

// The engine runs as its own process: in one process the client and the server share an event loop
// and the server never closes while the client is still writing, so the failure would not show.
describe('an oversize POST /v1/events from fetch, engine in its own process', () => {
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await spawnEngine({ WRITE_KEYS: WRITE_KEY, LOG_LEVEL: 'warn' });
    await waitReady(engine.url);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('gets the 413 and its {error} JSON, not a broken connection, every time', async () => {
    const body = JSON.stringify([{ eventId: 'e', userId: 'u', itemId: 'i', type: 'view', pad: 'x'.repeat(SEVERAL_MB) }]);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const res = await postBody(engine.url, body);
      expect(res.status, `attempt ${attempt}`).toBe(413);
      expect(await res.json()).toEqual({ error: expect.stringContaining('MAX_BODY_BYTES'), code: 'RS_BODY_TOO_LARGE' });
    }
  });

  it('gets the 413 for a chunked body that grows past the limit', async () => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const res = await postBody(engine.url, streamOf(SEVERAL_MB));
      expect(res.status, `attempt ${attempt}`).toBe(413);
      expect(await res.json()).toEqual({ error: expect.stringContaining('MAX_BODY_BYTES'), code: 'RS_BODY_TOO_LARGE' });
    }
  });

  it('gets the 401 when the write key is wrong, whatever the body size', async () => {
    const res = await postBody(engine.url, 'x'.repeat(SEVERAL_MB), { 'x-write-key': 'wrong' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'the write key is not valid', code: 'RS_WRITE_KEY_INVALID' });
  });
});

interface RawExchange {
  /** Everything the server sent. */
  received: string;
  closedByServer: boolean;
}

/**
 * Sends a request head, waits for the first answer, then does `after` on the socket and reports
 * how the connection ended. `stream` writes body bytes without end (the test hangs up after
 * `maxWrite`), `stall` writes nothing more, `hang-up` closes at once.
 */
function rawExchange(
  port: number,
  head: string,
  after: 'hang-up' | 'stream' | 'stall' | ((write: (s: string) => void) => void),
  maxWrite = 256 * 1024 * 1024,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    let received = '';
    let hungUp = false;
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(head));
    const hangUp = (): void => {
      hungUp = true;
      socket.destroy();
    };
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    const pump = (): void => {
      while (!socket.destroyed && written < maxWrite) {
        written += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (written >= maxWrite) hangUp();
    };
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      const first = !/\r\n\r\n/.test(received);
      received += text;
      if (!first || !/\r\n\r\n/.test(received)) return;
      if (after === 'hang-up') hangUp();
      else if (after === 'stream') pump();
      else if (after !== 'stall') after((s) => socket.write(s));
    });
    socket.on('error', () => {
      /* a reset while writing is the server closing */
    });
    socket.on('close', () => resolve({ received, closedByServer: !hungUp }));
  });
}

const headOf = (contentLength: number): string =>
  `POST /v1/events HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;

describe('the rest of a refused body', () => {
  const MAX_BODY_BYTES = 4096;
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ MAX_BODY_BYTES: String(MAX_BODY_BYTES), HTTP_REQUEST_TIMEOUT_MS: '120000' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('is answered from Content-Length alone, before any of the body is sent', async () => {
    const exchange = await rawExchange(app.port, headOf(10 * MAX_BODY_BYTES), 'hang-up');
    expect(exchange.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.received).toContain('MAX_BODY_BYTES');
  });

  it('is read and thrown away, and the connection then serves the next request', async () => {
    const size = 4 * MAX_BODY_BYTES;
    const exchange = await rawExchange(app.port, headOf(size), (write) => {
      write(' '.repeat(size));
      write('GET /healthz HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n');
    });
    // the 413's JSON ends without a line break, so the next status line follows it on the same line
    const answers = exchange.received.match(/HTTP\/1\.1 \d{3}/g);
    expect(answers).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
  });

  it('is read only up to a bound: a body that goes on has its connection closed', async () => {
    const exchange = await rawExchange(app.port, headOf(1_000_000_000), 'stream');
    expect(exchange.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.closedByServer).toBe(true);
  });

  it('is waited for only a few seconds: a client that stops sending has its connection closed', async () => {
    const exchange = await rawExchange(app.port, headOf(1_000_000), 'stall');
    expect(exchange.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.closedByServer).toBe(true);
  }, 20_000);
});
