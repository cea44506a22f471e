import type { FastifyPluginAsync } from 'fastify';
import type { EngineApi } from '../engine/api.js';
import { adminGuard } from './admin-auth.js';
import { HttpError } from './errors.js';
import { parseLimit } from './limit-param.js';
import { userGuard } from './user-auth.js';

interface UserParams {
  userId: string;
}
interface ItemParams {
  itemId: string;
}
interface LimitQuery {
  limit?: string;
}

/**
 * The recommendation, similarity, erasure and digest endpoints. A user's list is personal data: it
 * needs that user's storefront token (or the admin token) when AUTH_SECRET is set. Erasure and the
 * digest are operator actions: both need the admin bearer token when ADMIN_TOKEN is set. Item
 * neighbours say nothing about a person and stay public.
 */
export const readApiPlugin: FastifyPluginAsync<{ engine: EngineApi }> = async (app, { engine }) => {
  const { config, metrics } = engine;
  const requireAdmin = adminGuard(config.adminToken);
  const requireUser = userGuard(config);

  app.get<{ Params: UserParams; Querystring: LimitQuery & { fresh?: string } }>(
    '/v1/users/:userId/recommendations',
    { onRequest: requireUser },
    async (request) => {
      const limit = parseLimit(request.query.limit, config.recommendationLimit);
      const fresh = request.query.fresh === 'true' || request.query.fresh === '1';
      const rec = engine.recommendationsFor(request.params.userId, limit, fresh);
      metrics.recommendationsTotal.inc({ sink: 'http' });
      return rec;
    },
  );

  app.get<{ Params: ItemParams; Querystring: LimitQuery }>('/v1/items/:itemId/similar', async (request) => {
    const limit = parseLimit(request.query.limit, config.recommendationLimit);
    const { itemId } = request.params;
    return { itemId, neighbors: engine.similarItems(itemId, limit) };
  });

  app.delete<{ Params: UserParams }>('/v1/users/:userId', { onRequest: requireAdmin }, async (request, reply) => {
    const erased = await engine.eraseUser(request.params.userId);
    if (!erased) throw new HttpError('RS_USER_NOT_FOUND', 404, `user ${JSON.stringify(request.params.userId)} is not known`);
    return reply.code(204).send();
  });

  app.get('/v1/admin/digest', { onRequest: requireAdmin }, async () => ({ ...engine.digest(), settled: await engine.settled() }));
};
