import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { EngineApi } from '../engine/api.js';
import type { Logger } from '../logger.js';
import { collectorPlugin } from './collector.js';
import { corsOptions } from './cors.js';
import { sendError } from './errors.js';
import { healthPlugin } from './health.js';
import { readApiPlugin } from './read-api.js';

export interface HttpServerOptions {
  logger?: Logger;
  /** Trust X-Forwarded-For for the client address (rate limiting by IP behind a proxy). */
  trustProxy?: boolean;
  /** Clock for the collector's rate limiter. */
  clock?: () => number;
}

/**
 * The one HTTP server (DESIGN.md §5), not yet listening: the caller may register more plugins (schema
 * registry, demo) and then calls listen(), and attaches the WebSocket gateway to `app.server`.
 */
export function buildHttpServer(engine: EngineApi, options: HttpServerOptions = {}): FastifyInstance {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    trustProxy: options.trustProxy ?? false,
    // Per-request lines would dominate the log at collector rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Default for routes of other plugins; the collector sets its own from MAX_BODY_BYTES.
    bodyLimit: engine.config.maxBodyBytes,
  });

  app.setErrorHandler<FastifyError>((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route for ${request.method} ${request.url.split('?')[0]}` }));

  void app.register(cors, corsOptions(engine.config.corsOrigins));
  void app.register(healthPlugin, { engine });
  void app.register(collectorPlugin, { engine, clock: options.clock });
  void app.register(readApiPlugin, { engine });
  return app;
}
