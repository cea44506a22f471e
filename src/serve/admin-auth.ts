import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token of an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match === null ? null : match[1]!;
}

/** Compares presented tokens with ADMIN_TOKEN in constant time (both sides hashed to equal length). */
export function adminTokenMatcher(adminToken: string | null): (presented: string) => boolean {
  const expected = adminToken === null ? null : digest(adminToken);
  return (presented) => expected !== null && timingSafeEqual(digest(presented), expected);
}

/**
 * Guards operator endpoints with `Authorization: Bearer <ADMIN_TOKEN>` when ADMIN_TOKEN is set; open
 * when it is not (embedded demo use).
 */
export function adminGuard(adminToken: string | null): (request: FastifyRequest) => Promise<void> {
  const isAdmin = adminTokenMatcher(adminToken);
  return async (request) => {
    if (adminToken === null) return;
    const token = bearerToken(request);
    if (token === null)
      throw new HttpError('RS_ADMIN_TOKEN_REQUIRED', 401, 'this endpoint needs Authorization: Bearer <ADMIN_TOKEN>', {
        'www-authenticate': 'Bearer',
      });
    if (!isAdmin(token))
      throw new HttpError('RS_ADMIN_TOKEN_INVALID', 401, 'the admin token is not valid', { 'www-authenticate': 'Bearer' });
  };
}
