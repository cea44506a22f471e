import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { adminTokenMatcher, bearerToken } from './admin-auth.js';
import { HttpError } from './errors.js';
import { type TokenRefusal, tokenRefusalMessage, verificationSecrets, verifyToken } from './tokens.js';

const challenge = { 'www-authenticate': 'Bearer' };

const TOKEN_REFUSAL_CODES: Record<TokenRefusal, string> = {
  missing: 'RS_TOKEN_REQUIRED',
  malformed: 'RS_TOKEN_INVALID',
  'bad-signature': 'RS_TOKEN_INVALID',
  expired: 'RS_TOKEN_EXPIRED',
  lifetime: 'RS_TOKEN_LIFETIME_TOO_LONG',
};

/**
 * Guards a user's personal data (their recommendation list, whose reasons name what they bought)
 * when AUTH_SECRET is set: the request needs that user's storefront token, as a WebSocket subscription
 * does, or the admin token. 401 without a valid token, 403 with a valid token for another user.
 * Open when AUTH_SECRET is unset (demo use), like the WebSocket gateway.
 */
export function userGuard(
  config: Pick<Config, 'authSecret' | 'authSecretPrevious' | 'adminToken' | 'tokenMaxTtlSeconds'>,
  clock: () => number = Date.now,
): (request: FastifyRequest<{ Params: { userId: string } }>) => Promise<void> {
  const { authSecret, tokenMaxTtlSeconds } = config;
  const isAdmin = adminTokenMatcher(config.adminToken);
  return async (request) => {
    if (authSecret === null) return;
    const token = bearerToken(request);
    if (token === null) {
      throw new HttpError(
        'RS_TOKEN_REQUIRED',
        401,
        'this endpoint needs Authorization: Bearer <storefront token for the user> (or the admin token)',
        challenge,
      );
    }
    if (isAdmin(token)) return;
    const check = verifyToken(verificationSecrets(config), token, clock(), tokenMaxTtlSeconds);
    if (!check.ok) {
      throw new HttpError(TOKEN_REFUSAL_CODES[check.code], 401, tokenRefusalMessage(check.code), challenge);
    }
    if (check.sub !== request.params.userId) throw new HttpError('RS_TOKEN_OTHER_USER', 403, 'the token was issued for another user');
  };
}
