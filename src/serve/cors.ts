import type { FastifyCorsOptions } from '@fastify/cors';

/**
 * CORS for browsers on a storefront's own origin: the collector (POST with X-Write-Key, so a
 * preflight) and the read endpoints (a user's list with an Authorization bearer token, likewise
 * preflighted). An empty allow-list sends no CORS headers, so browsers refuse;
 * `*` allows any origin (no credentials are ever involved).
 */
export function corsOptions(corsOrigins: readonly string[]): FastifyCorsOptions {
  const allowed = new Set(corsOrigins.filter((o) => o !== '*').map((o) => new URL(o).origin));
  return {
    origin: corsOrigins.includes('*') ? '*' : (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'X-Write-Key', 'Authorization'],
    exposedHeaders: ['Retry-After'],
    maxAge: 600,
  };
}
