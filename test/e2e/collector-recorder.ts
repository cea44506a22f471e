import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

const trackerSource = readFileSync(new URL('../../web/tracker.js', import.meta.url), 'utf8');

export interface ReceivedBatch {
  url: URL;
  contentType: string;
  events: Array<Record<string, unknown>>;
  /** What the recorder answered; 0 when it cut the connection. */
  status: number;
}

/** How the recorder answers the next POST: a status, or `drop` to cut the connection (a network error). */
export type CollectorAnswer = number | 'drop';

/**
 * A recording stand-in for the website-facing side of recstream, so tracker tests can see exactly what
 * the browser put on the wire and make the collector fail on purpose (5xx, dropped connections), which
 * the real collector never does on demand. It serves tracker.js and a page the test fills in.
 */
export class CollectorRecorder {
  readonly batches: ReceivedBatch[] = [];
  readonly wsMessages: Array<Record<string, unknown>> = [];
  readonly sockets = new Set<WebSocket>();
  /** Answers for the next POSTs, in order; 202 once empty. */
  answers: CollectorAnswer[] = [];
  /** Called with every WebSocket message; may answer on the socket. */
  onWsMessage: (socket: WebSocket, message: Record<string, unknown>) => void = () => {};
  pageBody = '';
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Events of the requests answered 202, in arrival order. */
  get delivered(): Array<Record<string, unknown>> {
    return this.batches.filter((b) => b.status === 202).flatMap((b) => b.events);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request).then(({ status, type, body }) => {
        if (status === 0) {
          request.socket.destroy();
          return;
        }
        response.writeHead(status, { 'content-type': type }).end(body);
      });
    });
    this.wss = new WebSocketServer({ server: this.server, path: '/v1/stream' });
    this.wss.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        this.wsMessages.push(message);
        this.onWsMessage(socket, message);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; type: string; body: string }> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/tracker.js') return { status: 200, type: 'text/javascript', body: trackerSource };
    if (request.method === 'GET' && url.pathname === '/') {
      return {
        status: 200,
        type: 'text/html',
        body: `<!doctype html><html><head><script src="/tracker.js"></script></head><body>${this.pageBody}</body></html>`,
      };
    }
    if (request.method === 'GET' && url.pathname === '/elsewhere')
      return { status: 200, type: 'text/html', body: '<!doctype html><p>elsewhere</p>' };
    if (request.method === 'POST' && url.pathname === '/v1/events') {
      let body = '';
      for await (const chunk of request) body += String(chunk);
      const answer = this.answers.shift() ?? 202;
      const events = JSON.parse(body) as Array<Record<string, unknown>>;
      const status = answer === 'drop' ? 0 : answer;
      this.batches.push({ url, contentType: request.headers['content-type'] ?? '', events, status });
      if (status === 0) return { status: 0, type: '', body: '' };
      return { status, type: 'application/json', body: JSON.stringify({ accepted: status === 202 ? events.length : 0, rejected: [] }) };
    }
    return { status: 404, type: 'text/plain', body: 'not found' };
  }
}
