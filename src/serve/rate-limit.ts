import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { HttpError } from './errors.js';

const WINDOW_MS = 60_000;
/** Clients remembered at once (least recently seen are forgotten first, which only ever forgives). */
const MAX_TRACKED_CLIENTS = 100_000;

/**
 * A budget of `perMinute` requests per client address per minute (a fixed window), kept apart per
 * `scope` too (the write key), so neither a public write key nor a busy address lets one client spend
 * everyone's budget. The address is the socket's, or X-Forwarded-For's as far as TRUST_PROXY allows;
 * IPv6 clients count per /64, the block one host usually holds. Registers @fastify/rate-limit on
 * `app` and returns the hook for the limited route, or null when limiting is off (perMinute 0).
 */
export async function perClientRateLimit(
  app: FastifyInstance,
  perMinute: number,
  scope: (request: FastifyRequest) => string,
): Promise<onRequestAsyncHookHandler | null> {
  if (perMinute <= 0) return null;
  await app.register(rateLimit, { global: false });
  return app.rateLimit({
    max: perMinute,
    timeWindow: WINDOW_MS,
    cache: MAX_TRACKED_CLIENTS,
    keyGenerator: (request) => `${scope(request)}\n${normalizeIP(request.ip)}`,
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new HttpError(
        'RS_RATE_LIMITED',
        429,
        `rate limit of ${perMinute} requests per minute per client exceeded; retry in ${seconds} s`,
        { 'retry-after': String(seconds) },
      );
    },
  }) as onRequestAsyncHookHandler;
}
