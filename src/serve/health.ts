import type { FastifyPluginAsync } from 'fastify';
import type { EngineApi } from '../engine/api.js';

/** Liveness, readiness and the Prometheus scrape endpoint. */
export const healthPlugin: FastifyPluginAsync<{ engine: EngineApi }> = async (app, { engine }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const readiness = engine.readiness();
    const partitions = readiness.partitions ?? [];
    if (readiness.ready) return { status: 'ready', partitions };
    return reply.code(503).send({ status: 'not-ready', reason: readiness.reason ?? 'not ready', partitions });
  });

  app.get('/metrics', async (_request, reply) => {
    const { registry } = engine.metrics;
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};
