import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../config.js';
import type { EngineApi } from '../engine/api.js';
import { MAX_ID_LENGTH } from '../events/fields.js';
import type { Logger } from '../logger.js';
import { collectorPlugin } from './collector.js';
import { capConnectionsPerAddress } from './connection-cap.js';
import { corsOptions } from './cors.js';
import { HttpError, sendError } from './errors.js';
import { healthPlugin } from './health.js';
import { readApiPlugin } from './read-api.js';
import { securityHeaders } from './security-headers.js';
import { discardUnreadBodies } from './unread-body.js';

export interface HttpServerOptions {
  logger?: Logger;
}

/**
 * Fastify takes addresses, CIDRs and booleans as they are, but treats a bare hop count as "trust
 * nobody"; a hop count means the address the nearest `hops` proxies saw, as in Express. Operators who
 * choose it vouch that clients cannot reach the engine except through those proxies.
 */
function trustProxyOption(trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/**
 * How often Node looks for requests past their header or request timeout. Node's default (30 s) would
 * let a slow client outlive a short timeout by that much; a quarter of the shorter timeout keeps the
 * overshoot small without scanning the connections more than a few times a second.
 */
function connectionsCheckingInterval(http: Config['http']): number {
  return Math.min(5_000, Math.max(50, Math.floor(Math.min(http.headersTimeoutMs, http.requestTimeoutMs) / 4)));
}

/**
 * The one HTTP server (README, "HTTP API"), not yet listening: the caller may register more plugins (schema
 * registry, demo) and then calls listen(), and attaches the WebSocket gateway to `app.server`.
 */
export function buildHttpServer(engine: EngineApi, options: HttpServerOptions = {}): FastifyInstance {
  const { config } = engine;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    trustProxy: trustProxyOption(config.trustProxy),
    // Slow clients (one byte every few seconds) must not hold a connection forever. Upgraded
    // WebSocket connections leave Node's request tracking, so these do not cut them.
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingInterval(config.http),
    },
    // Every id the collector accepts must be readable and erasable by URL: MAX_ID_LENGTH UTF-16
    // units percent-encode to at most 9 characters each (3 UTF-8 bytes as %XX).
    routerOptions: { maxParamLength: MAX_ID_LENGTH * 9 },
    // Per-request lines would dominate the log at collector rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Default for routes of other plugins; the collector sets its own from MAX_BODY_BYTES.
    bodyLimit: config.maxBodyBytes,
    frameworkErrors: (error, request, reply) =>
      sendError(
        error.code === 'FST_ERR_BAD_URL'
          ? new HttpError(
              'RS_URL_MALFORMED',
              400,
              'the URL has a percent-encoded sequence that is not well-formed UTF-8 (such as a lone surrogate); ids must be well-formed Unicode',
            )
          : error,
        request,
        reply,
      ),
  });
  capConnectionsPerAddress(app.server, config.http.maxConnectionsPerIp, () => engine.metrics.httpConnectionsRefusedTotal.inc());

  discardUnreadBodies(app, config.maxBodyBytes);

  app.setErrorHandler<FastifyError>((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(new HttpError('RS_ROUTE_NOT_FOUND', 404, `no route for ${request.method} ${request.url.split('?')[0]}`), request, reply),
  );

  void app.register(helmet, securityHeaders);
  void app.register(cors, corsOptions(config.corsOrigins));
  void app.register(healthPlugin, { engine });
  void app.register(collectorPlugin, { engine });
  void app.register(readApiPlugin, { engine });
  return app;
}
