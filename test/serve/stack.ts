import type { RunningApp } from '../../src/app.js';
import type { EngineApi } from '../../src/engine/api.js';
import type { Gateway } from '../../src/serve/gateway.js';
import { startTestApp } from '../helpers/app.js';

/**
 * A real recstream process in the test process on 127.0.0.1:0: embedded log and registry, the engine,
 * the HTTP API and the WebSocket gateway, wired by the same startRecstream the CLI uses.
 */
export interface ServeStack {
  app: RunningApp;
  engine: EngineApi;
  /** The app's WebSocket gateway, for its own accounting (stats). */
  gateway: Gateway;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT/v1/stream */
  wsUrl: string;
  stop(): Promise<void>;
}

/** `env` is read like the process environment (e.g. { AUTH_SECRET, WRITE_KEYS }). */
export async function startServeStack(env: Record<string, string> = {}): Promise<ServeStack> {
  const app = await startTestApp(env);
  return {
    app,
    engine: app.engine,
    gateway: app.gateway,
    url: app.url,
    wsUrl: `${app.url.replace(/^http/, 'ws')}/v1/stream`,
    stop: () => app.stop(),
  };
}
let sequence = 0;

/** A valid click in the collector's JSON shape, unique eventId, event time now. */
export function click(userId: string, itemId: string, type = 'view'): Record<string, unknown> {
  sequence += 1;
  return { eventId: `serve-${process.pid}-${Date.now()}-${sequence}`, userId, itemId, type, timestamp: Date.now() };
}

export async function post(
  stack: ServeStack,
  body: unknown,
  init: { headers?: Record<string, string>; query?: string } = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${stack.url}/v1/events${init.query ?? ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? null : JSON.parse(text) };
}
