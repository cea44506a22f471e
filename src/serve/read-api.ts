import type { FastifyPluginAsync } from 'fastify';
import type { EngineApi } from '../engine/api.js';
import { adminGuard } from './admin-auth.js';
import { parseLimit } from './limit-param.js';

interface UserParams { userId: string }
interface ItemParams { itemId: string }
interface LimitQuery { limit?: string }

/**
 * The recommendation, similarity, erasure and digest endpoints. Erasure and the digest are operator
 * actions: both need the admin bearer token when ADMIN_TOKEN is set.
 */
export const readApiPlugin: FastifyPluginAsync<{ engine: EngineApi }> = async (app, { engine }) => {
  const { config, metrics } = engine;
  const requireAdmin = adminGuard(config.adminToken);

  app.get<{ Params: UserParams; Querystring: LimitQuery }>('/v1/users/:userId/recommendations', async (request) => {
    const limit = parseLimit(request.query.limit, config.recommendationLimit);
    const rec = engine.recommendationsFor(request.params.userId, limit);
    metrics.recommendationsTotal.inc({ sink: 'http' });
    return rec;
  });

  app.get<{ Params: ItemParams; Querystring: LimitQuery }>('/v1/items/:itemId/similar', async (request) => {
    const limit = parseLimit(request.query.limit, config.recommendationLimit);
    const { itemId } = request.params;
    return { itemId, neighbors: engine.similarItems(itemId, limit) };
  });

  app.delete<{ Params: UserParams }>('/v1/users/:userId', { onRequest: requireAdmin }, async (request, reply) => {
    const erased = await engine.eraseUser(request.params.userId);
    if (!erased) return reply.code(404).send({ error: `user ${JSON.stringify(request.params.userId)} is not known` });
    return reply.code(204).send();
  });

  app.get('/v1/admin/digest', { onRequest: requireAdmin }, async () => engine.digest());
};
