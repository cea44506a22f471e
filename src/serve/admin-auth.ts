import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Guards operator endpoints with `Authorization: Bearer <ADMIN_TOKEN>` when ADMIN_TOKEN is set; open
 * when it is not (embedded demo use).
 */
export function adminGuard(adminToken: string | null): (request: FastifyRequest) => Promise<void> {
  const expected = adminToken === null ? null : digest(adminToken);
  return async (request) => {
    if (expected === null) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match === null) throw new HttpError(401, 'this endpoint needs Authorization: Bearer <ADMIN_TOKEN>', { 'www-authenticate': 'Bearer' });
    if (!timingSafeEqual(digest(match[1]!), expected)) throw new HttpError(401, 'the admin token is not valid', { 'www-authenticate': 'Bearer' });
  };
}
