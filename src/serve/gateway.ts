import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { EngineApi } from '../engine/api.js';
import { BACKGROUND_SLICE_MS, inSlices } from '../slices.js';
import { tokenRefusalMessage, verificationSecrets, verifyToken } from './tokens.js';
import { type ConnectionLoad, WsConnection } from './ws-connection.js';
import { type ClientMessage, type ErrorFrame, parseClientFrame } from './ws-protocol.js';

const STREAM_PATH = '/v1/stream';

export interface GatewayOptions {
  /** Socket bufferedAmount above which lists are coalesced instead of sent (default 64 KiB). */
  highWaterBytes?: number;
  /**
   * Frames larger than config.ws.maxFrameBytes get a `frame-too-large` error and the connection is
   * kept; frames larger than this hard cap (default 4 × maxFrameBytes) are refused by ws itself, which
   * closes the connection with 1009, because it would otherwise have to buffer them whole.
   */
  hardFrameBytes?: number;
  /** Clock for token expiry and event → push latency (epoch millis). */
  clock?: () => number;
}

export interface GatewayStats extends ConnectionLoad {
  connections: number;
  /** Largest bufferedAmount over all connections. */
  maxBufferedAmount: number;
}

export interface Gateway {
  /** Terminates every client and stops listening for upgrades. */
  close(): void;
  /** The gateway's own accounting: what it holds for clients right now. */
  stats(): GatewayStats;
}

const DEFAULT_HIGH_WATER_BYTES = 64 * 1024;

/** An upgrade that never reaches Fastify, answered in the same `{error, code}` shape as sendError. */
function refuseUpgrade(socket: Duplex, status: number, code: string, reason: string): void {
  const body = JSON.stringify({ error: reason, code });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Bad Request'}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The WebSocket gateway on GET /v1/stream (README, "Receiving recommendations"): storefronts subscribe to users with a
 * storefront token and receive every fresh list for them, until the token expires (the client then
 * gets `token-expired` and may subscribe again with a fresh one). It owns the server's `upgrade`
 * event: any other upgrade path is answered 404.
 */
export function attachGateway(server: Server, engine: EngineApi, options: GatewayOptions = {}): Gateway {
  const { config, metrics } = engine;
  const clock = options.clock ?? Date.now;
  const highWater = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  const softFrameBytes = config.ws.maxFrameBytes;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.hardFrameBytes ?? softFrameBytes * 4,
    perMessageDeflate: false,
    // ws would close the connection on a text frame that is not UTF-8; we answer it like any other
    // malformed frame (it cannot parse as JSON) and keep the connection.
    skipUTF8Validation: true,
  });
  const connections = new Set<WsConnection>();
  /** Pseudonym → the connections subscribed to that user, each with the id it subscribed with. */
  const byUser = new Map<string, Map<WsConnection, string>>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      refuseUpgrade(socket, 400, 'RS_URL_MALFORMED', 'bad request target');
      return;
    }
    if (pathname !== STREAM_PATH) {
      refuseUpgrade(socket, 404, 'RS_ROUTE_NOT_FOUND', `no WebSocket endpoint at ${pathname}; use ${STREAM_PATH}`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const detach = (conn: WsConnection, userId: string): void => {
    metrics.wsSubscriptions.dec();
    const user = engine.pseudonym(userId);
    const subscribers = byUser.get(user);
    subscribers?.delete(conn);
    if (subscribers?.size === 0) byUser.delete(user);
  };
  const unsubscribe = (conn: WsConnection, userId: string): void => {
    if (conn.subscriptions.delete(userId)) detach(conn, userId);
  };

  /** Ends a subscription whose token ran out; the client may subscribe again with a fresh token. */
  const expire = (conn: WsConnection, userId: string): void => {
    unsubscribe(conn, userId);
    conn.sendError({ op: 'error', code: 'token-expired', message: 'the token has expired; subscribe again with a fresh token', userId });
  };
  const expired = (conn: WsConnection, userId: string, now: number): boolean => {
    const expiresAt = conn.subscriptions.get(userId)?.expiresAt ?? null;
    return expiresAt !== null && expiresAt <= now;
  };

  /** The refusal for a subscribe request, or the token's expiry (epoch millis, null if open) when allowed. */
  const authorize = (message: Extract<ClientMessage, { op: 'subscribe' }>): ErrorFrame | { expiresAt: number | null } => {
    const { userId } = message;
    if (config.authSecret === null) return { expiresAt: null };
    const check = verifyToken(verificationSecrets(config), message.token, clock(), config.tokenMaxTtlSeconds);
    if (check.ok) {
      return check.sub === userId
        ? { expiresAt: check.exp * 1000 }
        : { op: 'error', code: 'forbidden', message: 'the token was issued for another user', userId };
    }
    switch (check.code) {
      case 'expired':
        return { op: 'error', code: 'token-expired', message: tokenRefusalMessage(check.code), userId };
      case 'missing':
        return { op: 'error', code: 'unauthorized', message: 'a token is required to subscribe', userId };
      default:
        return { op: 'error', code: 'unauthorized', message: tokenRefusalMessage(check.code), userId };
    }
  };

  const subscribe = (conn: WsConnection, message: Extract<ClientMessage, { op: 'subscribe' }>): void => {
    const { userId } = message;
    const auth = authorize(message);
    if ('op' in auth) {
      conn.sendError(auth);
      return;
    }
    const existing = conn.subscriptions.get(userId);
    if (existing !== undefined) {
      // Subscribing again refreshes the token (and re-sends the current list).
      existing.expiresAt = auth.expiresAt;
    } else {
      if (conn.subscriptions.size >= config.ws.maxSubscriptions) {
        conn.sendError({
          op: 'error',
          code: 'too-many-subscriptions',
          message: `at most ${config.ws.maxSubscriptions} subscriptions per connection`,
          userId,
        });
        return;
      }
      conn.subscriptions.set(userId, { pending: null, expiresAt: auth.expiresAt });
      metrics.wsSubscriptions.inc();
      const user = engine.pseudonym(userId);
      let subscribers = byUser.get(user);
      if (subscribers === undefined) byUser.set(user, (subscribers = new Map()));
      subscribers.set(conn, userId);
    }
    let current: ReturnType<EngineApi['recommendationsFor']>;
    try {
      current = engine.recommendationsFor(userId);
    } catch {
      conn.sendError({ op: 'error', code: 'internal', message: 'could not compute the current list', userId });
      return;
    }
    conn.deliver(userId, JSON.stringify({ op: 'recommendations', ...current }), undefined);
  };

  wss.on('connection', (ws: WebSocket) => {
    const conn = new WsConnection(ws, metrics, highWater, clock);
    connections.add(conn);
    metrics.wsConnections.inc();

    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      conn.alive = true;
      if (data.length > softFrameBytes) {
        return conn.sendError({ op: 'error', code: 'frame-too-large', message: `frames are limited to ${softFrameBytes} bytes` });
      }
      const parsed = parseClientFrame(data, isBinary);
      if (!parsed.ok) return conn.sendError(parsed.error);
      if (parsed.message.op === 'subscribe') return subscribe(conn, parsed.message);
      unsubscribe(conn, parsed.message.userId);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      if (!connections.delete(conn)) return;
      metrics.wsConnections.dec();
      for (const userId of conn.clear()) detach(conn, userId);
    });
  });

  const stopListening = engine.onRecommendation(
    (rec, meta) => {
      const subscribers = byUser.get(rec.userId);
      if (subscribers === undefined) return;
      // Each subscriber gets the list under the id it subscribed with (the original id, not the pseudonym).
      const frames = new Map<string, string>();
      const now = clock();
      for (const [conn, userId] of [...subscribers]) {
        if (expired(conn, userId, now)) {
          expire(conn, userId);
          continue;
        }
        let frame = frames.get(userId);
        if (frame === undefined) frames.set(userId, (frame = JSON.stringify({ op: 'recommendations', ...rec, userId })));
        conn.deliver(userId, frame, meta.eventTime);
      }
    },
    (userId) => byUser.has(userId),
  );

  // In slices: one ping is a socket write, and 2,000 connections pinged in one go held the event
  // loop for 80–330 ms every interval, a stall for every list on its way meanwhile.
  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping) return;
    sweeping = true;
    const now = clock();
    try {
      await inSlices([...connections], BACKGROUND_SLICE_MS, (group) => {
        for (const conn of group) {
          if (!connections.has(conn)) continue;
          if (!conn.alive) {
            conn.socket.terminate();
            continue;
          }
          conn.alive = false;
          conn.socket.ping();
          for (const userId of [...conn.subscriptions.keys()]) if (expired(conn, userId, now)) expire(conn, userId);
        }
      });
    } finally {
      sweeping = false;
    }
  };
  const heartbeat = setInterval(() => void sweep(), config.ws.pingIntervalMs);
  heartbeat.unref();

  const gateway: Gateway = {
    close() {
      clearInterval(heartbeat);
      stopListening();
      server.off('upgrade', onUpgrade);
      for (const conn of connections) conn.socket.terminate();
      wss.close();
    },
    stats() {
      const total: GatewayStats = {
        connections: connections.size,
        subscriptions: 0,
        pendingLists: 0,
        pendingBytes: 0,
        bufferedAmount: 0,
        maxBufferedAmount: 0,
      };
      for (const conn of connections) {
        const load = conn.load();
        total.subscriptions += load.subscriptions;
        total.pendingLists += load.pendingLists;
        total.pendingBytes += load.pendingBytes;
        total.bufferedAmount += load.bufferedAmount;
        total.maxBufferedAmount = Math.max(total.maxBufferedAmount, load.bufferedAmount);
      }
      return total;
    },
  };
  return gateway;
}
