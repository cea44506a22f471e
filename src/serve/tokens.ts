import { createHmac, timingSafeEqual } from 'node:crypto';
import { idProblem } from '../events/fields.js';

/**
 * Storefront tokens (README, "Receiving recommendations"): base64url(JSON {"sub", "exp"}) + "." + base64url(HMAC-SHA256(secret,
 * first part)). Deliberately not a JWT library: a storefront backend in any language can mint one with
 * its standard HMAC function. An optional `iat` (epoch seconds) is honoured when present.
 */

export type TokenRefusal = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'lifetime';

export type TokenCheck = { ok: true; sub: string; exp: number } | { ok: false; code: TokenRefusal };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Longer tokens are refused before any hashing so a client cannot make us hash megabytes. */
const MAX_TOKEN_LENGTH = 4096;
/** How far ahead of ours a backend's clock may run before its longest-lived tokens look too long. */
const CLOCK_SKEW_SECONDS = 60;

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * The bytes of a base64url string in its one canonical spelling (no padding, unused trailing bits
 * zero), else null: Node's decoder forgives other spellings, which would give one token many forms.
 */
function decodeCanonical(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** What a client is told about a refused token. */
export function tokenRefusalMessage(code: TokenRefusal): string {
  switch (code) {
    case 'missing':
      return 'a token is required';
    case 'expired':
      return 'the token has expired; fetch a fresh one from the storefront backend';
    case 'lifetime':
      return 'the token lives longer than this server allows (TOKEN_MAX_TTL_SECONDS); mint shorter-lived tokens';
    default:
      return `the token is not valid (${code})`;
  }
}

/** `now` in epoch millis; the token's `exp` is epoch seconds as in the contract. */
export function mintToken(secret: string, userId: string, ttlSeconds: number, now: number = Date.now()): string {
  const problem = idProblem(userId, 'userId');
  if (problem !== null) throw new Error(problem);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new Error('ttlSeconds must be a positive number');
  const exp = Math.floor(now / 1000) + Math.floor(ttlSeconds);
  const payload = Buffer.from(JSON.stringify({ sub: userId, exp })).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

/**
 * Checks a token's form, signature, subject and times. A token may live at most `maxTtlSeconds`:
 * measured from `iat` when the token carries one, and always from now, so a token without `iat` (or
 * with a made-up one) cannot be minted to last forever.
 */
/**
 * Checks a storefront token against the current secret and, during a rotation, the previous one
 * (`secrets` in that order; only the first signs new tokens).
 */
export function verifyToken(secrets: string | readonly string[], token: unknown, now: number, maxTtlSeconds: number): TokenCheck {
  if (token === undefined || token === null || token === '') return { ok: false, code: 'missing' };
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, code: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, code: 'malformed' };
  const [payload, signature] = parts as [string, string];
  const payloadBytes = decodeCanonical(payload);
  const given = decodeCanonical(signature);
  if (payloadBytes === null || given === null) return { ok: false, code: 'malformed' };

  const signedBy = (secret: string): boolean => {
    const expected = sign(secret, payload);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  if (!(typeof secrets === 'string' ? [secrets] : secrets).some(signedBy)) return { ok: false, code: 'bad-signature' };

  let claims: unknown;
  try {
    claims = JSON.parse(payloadBytes.toString('utf8'));
  } catch {
    return { ok: false, code: 'malformed' };
  }
  if (typeof claims !== 'object' || claims === null) return { ok: false, code: 'malformed' };
  const { sub, exp, iat } = claims as { sub?: unknown; exp?: unknown; iat?: unknown };
  if (typeof sub !== 'string' || idProblem(sub, 'sub') !== null || typeof exp !== 'number' || !Number.isFinite(exp)) {
    return { ok: false, code: 'malformed' };
  }
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return { ok: false, code: 'malformed' };
  const nowSeconds = now / 1000;
  if (exp <= nowSeconds) return { ok: false, code: 'expired' };
  if (exp - nowSeconds > maxTtlSeconds + CLOCK_SKEW_SECONDS) return { ok: false, code: 'lifetime' };
  if (typeof iat === 'number' && exp - iat > maxTtlSeconds) return { ok: false, code: 'lifetime' };
  return { ok: true, sub, exp };
}

/** The secrets tokens are verified with: the current one, then the one being rotated out. */
export function verificationSecrets(config: { authSecret: string | null; authSecretPrevious: string | null }): string[] {
  return [config.authSecret, config.authSecretPrevious].filter((s): s is string => s !== null);
}
