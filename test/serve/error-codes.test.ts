import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Engine } from '../../src/engine/engine.js';
import { MemoryLog } from '../../src/log/memory.js';
import { Metrics } from '../../src/metrics.js';
import { Recommender } from '../../src/model/index.js';
import { buildHttpServer } from '../../src/serve/http.js';
import { startTestApp } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';
import { click } from './stack.js';

async function request(url: string, init?: RequestInit): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
  const res = await fetch(url, init);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

describe('errors over HTTP carry their code', () => {
  it('answers 503 with Retry-After and RS_ENGINE_NOT_STARTED while the engine has not started, not 500', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1' });
    const { logger, entries } = captureLog('info');
    const engine = new Engine({ config, log: new MemoryLog(), model: new Recommender(config.model), metrics: new Metrics(), logger });
    const http = buildHttpServer(engine, { logger });
    await http.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(http.server.address() as { port: number }).port}`;
    try {
      const posted = await request(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([click('u1', 'i1')]),
      });
      const read = await request(`${base}/v1/users/u1/recommendations`);
      for (const answer of [posted, read]) {
        expect(answer).toEqual({
          status: 503,
          retryAfter: '5',
          body: { error: expect.stringContaining('retry in 5 s'), code: 'RS_ENGINE_NOT_STARTED' },
        });
      }
      expect(entries().filter((e) => e.err?.code === 'RS_ENGINE_NOT_STARTED')).toHaveLength(2);
      expect(entries().find((e) => e.err?.code === 'RS_ENGINE_NOT_STARTED')?.err?.retriable).toBe(true);
    } finally {
      await http.close();
    }
  });

  it('answers a server fault with RS_INTERNAL and nothing more, while the log line has the real code', async () => {
    const { logger, entries } = captureLog('info');
    const app = await startTestApp({}, { logger });
    try {
      await app.log.close();
      const answer = await request(`${app.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([click('u2', 'i2')]),
      });
      expect(answer).toEqual({ status: 500, retryAfter: null, body: { error: 'internal server error', code: 'RS_INTERNAL' } });
      const failed = entries().find((e) => e.msg === 'request failed');
      expect(failed?.err).toMatchObject({ code: 'RS_LOG_CLOSED', retriable: false });
    } finally {
      await app.stop();
    }
  });

  it("gives Fastify's own client errors their FST code and its clearer message", async () => {
    const app = await startTestApp();
    try {
      // Fastify's JSON parser refuses a JSON content type with nothing in it before any route runs
      const answer = await request(`${app.url}/v1/users/u3`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: '',
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'the body is empty', code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
    } finally {
      await app.stop();
    }
  });
});
